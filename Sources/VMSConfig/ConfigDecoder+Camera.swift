// The `cameras:` section: one CameraSettings per camera id, in file order.

import Detectors
import Identifiers

extension ConfigDecoder {
  static let cameraKeys = [
    "name", "enabled", "record_url", "detect_url", "rtsp_transport", "detector", "recording",
    "retention_days", "retention", "live",
  ]
  static let detectorBaseKeys = ["type", "fps", "min_area_percent", "warmup", "decode"]
  static let recordingKeys = [
    "enabled", "mode", "segment", "pre_roll", "post_roll", "min_duration", "max_duration",
  ]
  /// The shortest and longest continuous-recording segment.
  static let segmentRange = 2.0...3600.0
  static let liveKeys = ["fps", "width", "show_detection"]

  /// Where a key written directly under a camera probably belongs.
  private static let cameraElsewhere: [String: String] = [
    "type": "the detector: block", "fps": "the detector: or live: block",
    "min_area_percent": "the detector: block", "warmup": "the detector: block",
    "pre_roll": "the recording: block", "post_roll": "the recording: block",
    "min_duration": "the recording: block", "max_duration": "the recording: block",
    "mode": "the recording: block", "segment": "the recording: block",
    "width": "the live: block", "show_detection": "the live: block",
    "decode": "the detector: block",
    "continuous_days": "the retention: block", "events_days": "the retention: block",
  ]

  func cameras(_ node: YAMLNode, storage: StorageSettings) -> [CameraSettings] {
    if case .sequence = node.content {
      report(
        node.start, "cameras: expected a mapping of camera ids to settings, found a list",
        hint:
          "write each camera as its id followed by a colon (\"front-door:\"), with its settings indented below",
        key: "cameras")
      return []
    }
    guard let f = fields(of: node, path: "cameras", known: nil, duplicateLabel: "camera id") else {
      return []
    }
    return f.entries.compactMap { camera($0, storage: storage) }
  }

  private func camera(_ entry: Entry, storage: StorageSettings) -> CameraSettings? {
    let id = entry.name
    let path = "cameras.\(id)"
    if CameraID(id) == nil {
      report(
        entry.keyNode.start, "camera id \"\(id)\" is not valid",
        hint: "use \(CameraID.rule)\(Self.idSuggestion(id)); the display name goes in name:",
        key: path)
    }
    guard !entry.value.isNull else {
      report(
        entry.keyNode.start, "\(path): record_url is missing", hint: Self.recordURLHint,
        key: "\(path).record_url")
      return nil
    }
    guard
      let f = fields(
        of: entry.value, path: path, known: Self.cameraKeys, elsewhere: Self.cameraElsewhere)
    else { return nil }

    var recordURL: String?
    if let node = f["record_url"] {
      recordURL = source(node, path: "\(path).record_url")
    } else {
      report(
        entry.keyNode.start, "\(path): record_url is missing", hint: Self.recordURLHint,
        key: "\(path).record_url")
    }
    var camera = CameraSettings(
      id: id, recordURL: recordURL ?? "", retentionDays: storage.retentionDays)
    if let node = f["name"],
      let name = string(node, path: "\(path).name", example: "\"Front door\"")
    {
      if name.allSatisfy(\.isWhitespace) {
        report(
          node.start, "\(path).name: is empty",
          hint: "write a name, or remove name: to show the id",
          key: "\(path).name")
      } else {
        camera.name = name
      }
    }
    if let enabled = bool(f["enabled"], path: "\(path).enabled") { camera.enabled = enabled }
    if let node = f["detect_url"] { camera.detectURL = source(node, path: "\(path).detect_url") }
    if let transport = choice(
      f["rtsp_transport"], path: "\(path).rtsp_transport", what: "transport", as: RTSPTransport.self
    ) {
      camera.rtspTransport = transport
    }
    if let node = f["detector"] { camera.detector = detector(node, path: "\(path).detector") }
    if let node = f["recording"] { camera.recording = recording(node, path: "\(path).recording") }
    if let days = int(
      f["retention_days"], path: "\(path).retention_days", minimum: 0, example: "14")
    {
      camera.retentionDays = days
    }
    // A camera's retention_days sets both kinds; its retention: block sets each.
    camera.retention = retention(
      f["retention"], path: "\(path).retention",
      base: f["retention_days"] != nil
        ? RetentionDays(all: camera.retentionDays) : storage.retention)
    if let node = f["live"] { camera.live = live(node, path: "\(path).live") }
    checkKeyframePreRoll(camera, fields: f, path: path)
    return recordURL == nil ? nil : camera
  }

  private static let recordURLHint =
    "add record_url: with the camera's main stream, for example \"rtsp://user:pass@192.0.2.10:554/stream1\", or a video file path"

  /// "Front Door" -> ` such as "front-door"`: the id the user probably meant.
  private static func idSuggestion(_ id: String) -> String {
    var slug = ""
    for character in id.lowercased() {
      if character.isASCII && (character.isLetter || character.isNumber || character == "_") {
        slug.append(character)
      } else if !slug.hasSuffix("-") {
        slug.append("-")
      }
    }
    while slug.hasPrefix("-") { slug.removeFirst() }
    while slug.hasSuffix("-") { slug.removeLast() }
    slug = String(slug.prefix(64))
    return slug.isEmpty || slug == id ? "" : ", such as \"\(slug)\""
  }

  /// A checked stream URL, or an absolute file path.
  private func source(_ node: YAMLNode, path: String) -> String? {
    guard let text = string(node, path: path, example: "\"rtsp://192.0.2.10:554/stream1\"") else {
      return nil
    }
    switch StreamSource.check(text, configDirectory: directory) {
    case .valid(let source):
      return source
    case .invalid(let message, let hint):
      // Messages end up in logs and the UI: never echo a password.
      report(
        node.start, "\(path): \"\(redactingPassword(text))\" \(message)", hint: hint, key: path)
      return nil
    }
  }

  private func detector(_ node: YAMLNode, path: String) -> DetectorSettings {
    var settings = DetectorSettings()
    guard let f = fields(of: node, path: path, known: nil) else { return settings }
    let knownTypes = Set(detectorOptionKeys.keys).union(["none"]).sorted()
    var typeKnown = true
    if let typeNode = f["type"], let type = string(typeNode, path: "\(path).type", example: "mog2")
    {
      if knownTypes.contains(type) {
        settings.type = type
      } else {
        typeKnown = false
        let suggestion =
          KeySuggestion.closest(to: type, among: knownTypes).map { "did you mean \"\($0)\"? " }
          ?? ""
        report(
          typeNode.start, "\(path).type: unknown detector type \"\(type)\"",
          hint: "\(suggestion)known types: \(knownTypes.joined(separator: ", "))",
          key: "\(path).type")
      }
    }
    if let fps = double(
      f["fps"], path: "\(path).fps", range: 0...1000,
      rangeText: "more than 0 and at most 1000 (frames per second)",
      example: "5", excludingLowerBound: true)
    {
      settings.fps = fps
    }
    if let area = double(
      f["min_area_percent"], path: "\(path).min_area_percent", range: 0...100,
      rangeText: "more than 0 and at most 100 (percent of the frame)", example: "0.5",
      excludingLowerBound: true)
    {
      settings.minAreaPercent = area
    }
    if let warmup = duration(f["warmup"], path: "\(path).warmup", example: "3s") {
      settings.warmupSeconds = warmup
    }
    if let decode = choice(
      f["decode"], path: "\(path).decode", what: "decode mode", as: DecodeMode.self)
    {
      settings.decode = decode
    }
    // Options can only be judged once the type is known.
    guard typeKnown else { return settings }
    let allowed = settings.type == "none" ? [] : (detectorOptionKeys[settings.type] ?? [])
    var optionsReadable = true
    for entry in f.entries where !Self.detectorBaseKeys.contains(entry.name) {
      guard allowed.contains(entry.name) else {
        reportUnknownOption(entry, path: path, type: settings.type, allowed: allowed.sorted())
        optionsReadable = false
        continue
      }
      guard !entry.value.isNull else { continue }
      if let value = double(
        entry.value, path: "\(path).\(entry.name)",
        range: -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude, rangeText: "",
        example: "16")
      {
        settings.options[entry.name] = value
      } else {
        optionsReadable = false
      }
    }
    if optionsReadable {
      checkOptionValues(settings, fields: f, typeNode: f["type"] ?? node, path: path)
    }
    return settings
  }

  /// Builds the detector once, as the camera will, so a value it refuses is reported at its line.
  private func checkOptionValues(
    _ settings: DetectorSettings, fields f: Fields, typeNode: YAMLNode, path: String
  ) {
    guard let detectors, detectors.entries[settings.type] != nil else { return }
    do {
      _ = try detectors.make(settings)
    } catch DetectorError.invalidOption(_, let key, let value, let expected) {
      let node = f[key] ?? typeNode
      report(
        node.start,
        "\(path).\(key): \(ConfigEditor.numberText(value)) is not accepted by detector \(settings.type)",
        hint: "use \(expected)", key: "\(path).\(key)")
    } catch {
      report(typeNode.start, "\(path): \(error)", hint: "fix the detector block", key: path)
    }
  }

  private func reportUnknownOption(_ entry: Entry, path: String, type: String, allowed: [String]) {
    let hint: String
    if allowed.isEmpty {
      hint =
        "detector type \(type) takes no options; the keys here are \(Self.detectorBaseKeys.joined(separator: ", "))"
    } else if let suggestion = KeySuggestion.closest(
      to: entry.name, among: Self.detectorBaseKeys + allowed)
    {
      hint = "did you mean \"\(suggestion)\"?"
    } else {
      hint =
        "options of \(type): \(allowed.joined(separator: ", ")); for every type: \(Self.detectorBaseKeys.joined(separator: ", "))"
    }
    report(
      entry.keyNode.start, "\(path): unknown key \"\(entry.name)\" for detector type \(type)",
      hint: hint, key: "\(path).\(entry.name)")
  }

  /// With `decode: keyframes` motion is seen up to one GOP late: warns when the pre-roll cannot
  /// cover even the shortest usual GOP (the real one is only known once the stream runs; the
  /// camera's status says so then).
  private func checkKeyframePreRoll(_ camera: CameraSettings, fields f: Fields, path: String) {
    guard KeyframePreRoll.applies(to: camera),
      KeyframePreRoll.isShort(
        preRollSeconds: camera.recording.preRollSeconds,
        gopSeconds: KeyframePreRoll.shortestUsualGOPSeconds),
      let node = Self.value(of: "decode", in: f["detector"]) ?? f["detector"]
    else { return }
    let minimum = KeyframePreRoll.minimumSeconds(
      gopSeconds: KeyframePreRoll.shortestUsualGOPSeconds)
    warn(
      node.start,
      "\(path).detector.decode: keyframes with recording.pre_roll \(ConfigDuration.text(seconds: camera.recording.preRollSeconds)) under \(ConfigDuration.text(seconds: minimum)): motion is noticed up to one GOP late and its clip may start after it",
      hint:
        "make pre_roll at least the detect stream's GOP + 1 s (the camera's page shows the GOP it measures), or use decode: all",
      key: "\(path).detector.decode")
  }

  /// The value of `key` in a mapping node, without reporting anything (already checked).
  private static func value(of key: String, in node: YAMLNode?) -> YAMLNode? {
    guard case .mapping(let pairs)? = node?.content else { return nil }
    return pairs.last { $0.key.scalar == key }?.value
  }

  private func recording(_ node: YAMLNode, path: String) -> RecordingSettings {
    var settings = RecordingSettings()
    guard let f = fields(of: node, path: path, known: Self.recordingKeys) else { return settings }
    if let enabled = bool(f["enabled"], path: "\(path).enabled") { settings.enabled = enabled }
    if let mode = choice(f["mode"], path: "\(path).mode", what: "mode", as: RecordingMode.self) {
      settings.mode = mode
    }
    if let seconds = duration(f["segment"], path: "\(path).segment", example: "1m") {
      if Self.segmentRange.contains(seconds) {
        settings.segmentSeconds = seconds
      } else {
        report(
          f["segment"]!.start,
          "\(path).segment: \(ConfigDuration.text(seconds: seconds)) is out of range (2s to 1h)",
          hint: "write how long one file of continuous recording lasts, for example 1m",
          key: "\(path).segment")
      }
    }
    if let seconds = duration(f["pre_roll"], path: "\(path).pre_roll", example: "5s") {
      settings.preRollSeconds = seconds
    }
    if let seconds = duration(f["post_roll"], path: "\(path).post_roll", example: "10s") {
      settings.postRollSeconds = seconds
    }
    let minimum = duration(f["min_duration"], path: "\(path).min_duration", example: "15s")
    if let minimum { settings.minDurationSeconds = minimum }
    let maximum = duration(f["max_duration"], path: "\(path).max_duration", example: "10m")
    if let maximum {
      if maximum == 0 {
        report(
          f["max_duration"]!.start, "\(path).max_duration: must be more than 0",
          hint: "write how long one clip may last at most, for example 10m",
          key: "\(path).max_duration")
      } else {
        settings.maxDurationSeconds = maximum
      }
    }
    if settings.minDurationSeconds > settings.maxDurationSeconds,
      let node = minimum != nil ? f["min_duration"] : f["max_duration"]
    {
      report(
        node.start,
        "\(path): min_duration (\(ConfigDuration.text(seconds: settings.minDurationSeconds))) is longer than max_duration (\(ConfigDuration.text(seconds: settings.maxDurationSeconds)))",
        hint: "make min_duration shorter than or equal to max_duration",
        key: minimum != nil ? "\(path).min_duration" : "\(path).max_duration")
    }
    return settings
  }

  private func live(_ node: YAMLNode, path: String) -> LiveSettings {
    var settings = LiveSettings()
    guard let f = fields(of: node, path: path, known: Self.liveKeys) else { return settings }
    if let fps = double(
      f["fps"], path: "\(path).fps", range: 0...60, rangeText: "more than 0 and at most 60",
      example: "10", excludingLowerBound: true)
    {
      settings.fps = fps
    }
    if let width = int(f["width"], path: "\(path).width", minimum: 16, example: "640") {
      settings.width = width
    }
    if let show = bool(f["show_detection"], path: "\(path).show_detection") {
      settings.showDetection = show
    }
    return settings
  }
}
