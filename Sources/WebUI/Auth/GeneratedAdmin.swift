// The account a fresh install signs in with when the YAML defines no user: `admin` with a random
// password, printed once at the first start; only its bcrypt hash is kept, in DATA/auth/users.json
// (folder 0700, file 0600), and reused at every later start.
import Foundation
import HummingbirdBcrypt
import VMSConfig

public enum GeneratedAdmin {
  public static let userName = "admin"

  struct File: Codable {
    struct User: Codable {
      var name: String
      var passwordHash: String
      var role: String

      enum CodingKeys: String, CodingKey {
        case name
        case passwordHash = "password_hash"
        case role
      }
    }
    var users: [User]
  }

  public static func filePath(dataDirectory: String) -> String {
    dataDirectory + "/auth/users.json"
  }

  /// The stored admin, or a new one. `newPassword` is non-nil only when the account was just created:
  /// the caller shows it once.
  public static func loadOrCreate(dataDirectory: String, cost: UInt8 = 12) throws -> (
    user: UserSettings, newPassword: String?
  ) {
    let path = filePath(dataDirectory: dataDirectory)
    if FileManager.default.fileExists(atPath: path) {
      guard let data = FileManager.default.contents(atPath: path),
        let file = try? JSONDecoder().decode(File.self, from: data),
        let stored = file.users.first(where: { $0.name == userName }),
        stored.passwordHash.hasPrefix("$2")
      else {
        throw APIError(
          .internalServerError,
          "\(path) is unreadable: delete it to get a new admin password at the next start, or define users in the YAML (vms hash-password)"
        )
      }
      return (UserSettings(name: stored.name, passwordHash: stored.passwordHash, role: .admin), nil)
    }
    let password = RandomToken.password()
    let hash = Bcrypt.hash(password, cost: cost)
    let file = File(users: [
      .init(name: userName, passwordHash: hash, role: UserRole.admin.rawValue)
    ])
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    try PrivateFile.save(try encoder.encode(file), to: path)
    return (UserSettings(name: userName, passwordHash: hash, role: .admin), password)
  }

  /// The one-time notice, boxed so it stands out in a journal full of log lines.
  public static func notice(password: String, path: String) -> String {
    let lines = [
      "vms created the user \"admin\" with the password:  \(password)",
      "It is shown only this once; only its hash is kept (\(path)).",
      "Define your own users under auth.users in the YAML (vms hash-password makes a hash).",
    ]
    let width = lines.map(\.count).max() ?? 0
    let rule = "+" + String(repeating: "-", count: width + 2) + "+"
    let body = lines.map { "| " + $0 + String(repeating: " ", count: width - $0.count) + " |" }
    return ([rule] + body + [rule]).joined(separator: "\n")
  }
}
