// The top level of the file and its small sections: server, auth, storage, updates.

extension ConfigDecoder {
  static let topLevelKeys = ["server", "auth", "storage", "updates", "cameras"]
  static let serverKeys = ["listen", "data_dir", "health_down_after"]
  static let authKeys = ["users"]
  static let userKeys = ["name", "password_hash", "role"]
  static let storageKeys = ["retention_days", "retention", "max_bytes", "min_free_bytes"]
  static let retentionKeys = ["continuous_days", "events_days"]
  static let updateKeys = ["feed_url"]

  /// A document with no settings at all: nothing, only comments, `---` or a bare null.
  static func isEmpty(_ root: YAMLNode?) -> Bool { root?.isNull ?? true }

  func configuration(root: YAMLNode?) -> VMSConfiguration {
    let defaultServer = ServerSettings(
      dataDirectory: FilePath.resolve("./data", against: directory))
    var configuration = VMSConfiguration(server: defaultServer, sourcePath: file)
    // An empty file (0 bytes, only comments, or `---`) is refused: it is far more often a file
    // truncated by an editor, a full disk or a bad copy than a wish to remove every camera and
    // user. `cameras: {}` says that on purpose.
    guard let root, !Self.isEmpty(root) else {
      report(
        YAMLMark(line: 1, column: 1), "the file is empty (no settings, only comments or nothing)",
        hint:
          "restore the file (config/vms.yaml in the release is a starting point); to run without cameras, write \"cameras: {}\""
      )
      return configuration
    }
    guard
      let top = fields(
        of: root, path: "configuration file", known: Self.topLevelKeys,
        elsewhere: [
          "listen": "the server: block", "data_dir": "the server: block",
          "users": "the auth: block",
          "retention_days": "the storage: block", "max_bytes": "the storage: block",
          "min_free_bytes": "the storage: block", "feed_url": "the updates: block",
          "retention": "the storage: block or a camera",
          "continuous_days": "a retention: block (in storage: or a camera)",
          "events_days": "a retention: block (in storage: or a camera)",
        ], extensionPrefix: "x-")
    else { return configuration }
    if let node = top["server"] { configuration.server = server(node, defaults: defaultServer) }
    if let node = top["auth"] { configuration.auth = auth(node) }
    if let node = top["storage"] { configuration.storage = storage(node) }
    if let node = top["updates"] { configuration.updates = updates(node) }
    if let node = top["cameras"] {
      configuration.cameras = cameras(node, storage: configuration.storage)
    }
    return configuration
  }

  func server(_ node: YAMLNode, defaults: ServerSettings) -> ServerSettings {
    var server = defaults
    guard let f = fields(of: node, path: "server", known: Self.serverKeys) else { return server }
    if let node = f["listen"],
      let text = string(node, path: "server.listen", example: "\"127.0.0.1:8080\"")
    {
      switch ListenAddress.parse(text) {
      case .success(let address):
        server.listenHost = address.host
        server.listenPort = address.port
      case .failure(let reason):
        report(
          node.start, "server.listen: \"\(text)\" \(reason.text)", hint: ListenAddress.hint)
      }
    }
    if let node = f["data_dir"],
      let text = string(node, path: "server.data_dir", example: "\"/var/lib/vms\"")
    {
      if text.isEmpty {
        report(
          node.start, "server.data_dir: is empty", hint: "write a folder, for example \"./data\"")
      } else {
        server.dataDirectory = FilePath.resolve(text, against: directory)
      }
    }
    if let seconds = duration(
      f["health_down_after"], path: "server.health_down_after", example: "5m")
    {
      server.healthDownAfterSeconds = seconds
    }
    return server
  }

  func auth(_ node: YAMLNode) -> AuthSettings {
    var auth = AuthSettings()
    guard let f = fields(of: node, path: "auth", known: Self.authKeys, elsewhere: userElsewhere)
    else { return auth }
    guard let list = f["users"] else { return auth }
    guard case .sequence(let items) = list.content else {
      report(
        list.start, "auth.users: expected a list of users, found \(list.kindDescription)",
        hint: "write one \"- { name: admin, password_hash: \"...\", role: admin }\" line per user")
      return auth
    }
    var firstLine: [String: Int] = [:]
    for (index, item) in items.enumerated() {
      let path = "auth.users[\(index + 1)]"
      guard let user = user(item, path: path) else { continue }
      if let line = firstLine[user.name] {
        report(
          item.start,
          "\(path): duplicate user name \"\(user.name)\" (first written at line \(line))",
          hint: "give every user a different name")
        continue
      }
      firstLine[user.name] = item.start.line
      auth.users.append(user)
    }
    return auth
  }

  private var userElsewhere: [String: String] {
    [
      "name": "an item of users:", "password_hash": "an item of users:",
      "role": "an item of users:",
    ]
  }

  private func user(_ node: YAMLNode, path: String) -> UserSettings? {
    guard let f = fields(of: node, path: path, known: Self.userKeys) else { return nil }
    var valid = true
    let name = string(f["name"], path: "\(path).name", example: "admin")
    if name == nil && f["name"] == nil {
      report(node.start, "\(path): name is missing", hint: "add name: followed by the login name")
      valid = false
    } else if let name, name.isEmpty || name.contains(":") {
      report(
        f["name"]!.start, "\(path).name: \"\(name)\" cannot be a user name",
        hint: "use a non-empty name without ':' (HTTP Basic sign-in cannot carry it)")
      valid = false
    }
    let hash = string(f["password_hash"], path: "\(path).password_hash", example: "\"$2b$12$...\"")
    if hash == nil && f["password_hash"] == nil {
      report(
        node.start, "\(path): password_hash is missing",
        hint: "run `vms hash-password`, then add password_hash: \"<its output>\"")
      valid = false
    } else if let hash, !Self.isBcryptHash(hash) {
      report(
        f["password_hash"]!.start, "\(path).password_hash: not a bcrypt hash",
        hint:
          "run `vms hash-password` and paste its output in quotes; never write the password itself")
      valid = false
    }
    var role = UserRole.viewer
    if let node = f["role"] {
      if let value = choice(node, path: "\(path).role", what: "role", as: UserRole.self) {
        role = value
      } else {
        valid = false
      }
    }
    guard valid, let name, let hash else { return nil }
    return UserSettings(name: name, passwordHash: hash, role: role)
  }

  /// `$2a$`/`$2b$`/`$2y$`, a two-digit cost, `$`, then 53 characters of bcrypt's base64.
  static func isBcryptHash(_ text: String) -> Bool {
    let bytes = Array(text.utf8)
    guard bytes.count == 60, bytes[0] == UInt8(ascii: "$"), bytes[1] == UInt8(ascii: "2"),
      [UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "y")].contains(bytes[2]),
      bytes[3] == UInt8(ascii: "$"), bytes[6] == UInt8(ascii: "$"),
      let cost = Int(String(decoding: bytes[4..<6], as: UTF8.self)), (4...31).contains(cost)
    else { return false }
    return bytes[7...].allSatisfy { byte in
      let scalar = Unicode.Scalar(byte)
      return scalar.isASCIILetter || scalar.isASCIIDigit || scalar == "." || scalar == "/"
    }
  }

  func storage(_ node: YAMLNode) -> StorageSettings {
    var storage = StorageSettings()
    guard
      let f = fields(
        of: node, path: "storage", known: Self.storageKeys,
        elsewhere: Self.retentionKeysElsewhere)
    else { return storage }
    if let days = int(
      f["retention_days"], path: "storage.retention_days", minimum: 0, example: "14")
    {
      storage.retentionDays = days
    }
    storage.retention = retention(
      f["retention"], path: "storage.retention", base: RetentionDays(all: storage.retentionDays))
    if let bytes = size(f["max_bytes"], path: "storage.max_bytes", example: "500GB") {
      storage.maxBytes = bytes
    }
    if let bytes = size(f["min_free_bytes"], path: "storage.min_free_bytes", example: "2GB") {
      storage.minFreeBytes = bytes
    }
    return storage
  }

  static let retentionKeysElsewhere = [
    "continuous_days": "the retention: block", "events_days": "the retention: block",
  ]

  /// A `retention:` block: days per kind of footage, each kind `base`'s unless written.
  func retention(_ node: YAMLNode?, path: String, base: RetentionDays) -> RetentionDays {
    var retention = base
    guard let node, !node.isNull else { return retention }
    if case .scalar = node.content {
      // `retention: 30` is most likely meant as retention_days.
      report(
        node.start, "\(path): expected a block of days per kind, found \(node.kindDescription)",
        hint:
          "write retention_days: N to keep everything N days, or retention: { continuous_days: N, events_days: M }",
        key: path)
      return retention
    }
    guard let f = fields(of: node, path: path, known: Self.retentionKeys) else { return retention }
    if let days = int(
      f["continuous_days"], path: "\(path).continuous_days", minimum: 0, example: "7")
    {
      retention.continuousDays = days
    }
    if let days = int(f["events_days"], path: "\(path).events_days", minimum: 0, example: "30") {
      retention.eventsDays = days
    }
    if retention.eventsDays != 0,
      retention.continuousDays == 0 || retention.eventsDays < retention.continuousDays,
      let written = f["events_days"]
    {
      warn(
        written.start,
        "\(path).events_days: \(retention.eventsDays) is shorter than continuous_days (\(retention.continuousDays == 0 ? "forever" : String(retention.continuousDays))): segments that overlap an event are kept as long as the others, and event clips go first",
        hint:
          "make events_days at least continuous_days (events are the footage worth keeping longer), or 0 to keep them forever",
        key: "\(path).events_days")
    }
    return retention
  }

  func updates(_ node: YAMLNode) -> UpdateSettings {
    var updates = UpdateSettings()
    guard let f = fields(of: node, path: "updates", known: Self.updateKeys) else { return updates }
    guard let node = f["feed_url"],
      let text = string(
        node, path: "updates.feed_url", example: "\"https://example.org/version.json\"")
    else { return updates }
    let outcome: StreamSource.Outcome
    if let parts = URLParts(text) {
      outcome = StreamSource.checkNetworkURL(text, parts: parts, allowed: ["http", "https"])
    } else {
      outcome = .invalid(
        message: text.isEmpty ? "is empty" : "is not a URL",
        hint: "write an http:// or https:// URL of a version.json, or remove feed_url")
    }
    switch outcome {
    case .valid(let url): updates.feedURL = url
    case .invalid(let message, let hint):
      report(node.start, "updates.feed_url: \"\(redactingPassword(text))\" \(message)", hint: hint)
    }
    return updates
  }
}
