// Where signed-in sessions outlive a restart: DATA/auth/sessions.json (0600), so an upgrade, a
// crash or a restart for a new listen address does not sign out every browser and wall display.
//
// It holds the SHA-256 of each session token, never the token: the file cannot be turned back
// into a cookie by whoever reads it. Writes go through one serial queue, in the order the store
// took its snapshots, so an older snapshot never overwrites a newer one, and no request waits on
// the disk.
import Dispatch
import Foundation
import Logging

struct SessionFile: Sendable {
  struct Entry: Codable {
    var tokenSHA256: String
    var user: String
    var credential: String
    var expiresEpochSeconds: Int64

    enum CodingKeys: String, CodingKey {
      case tokenSHA256 = "token_sha256"
      case user, credential
      case expiresEpochSeconds = "expires_epoch_seconds"
    }
  }

  struct Contents: Codable {
    var sessions: [Entry]
  }

  let path: String
  private let queue: DispatchQueue
  private let log: Logger

  init(path: String, log: Logger = Logger(label: "vms.auth")) {
    self.path = path
    self.log = log
    queue = DispatchQueue(label: "vms.sessions-file")
  }

  static func path(dataDirectory: String) -> String { dataDirectory + "/auth/sessions.json" }

  /// The stored sessions; none when the file is missing. An unreadable file is reported and
  /// ignored (those browsers sign in again); the next save replaces it.
  func load() -> [Entry] {
    guard let data = FileManager.default.contents(atPath: path) else { return [] }
    do {
      return try JSONDecoder().decode(Contents.self, from: data).sessions
    } catch {
      log.warning(
        "\(path) is unreadable (\(error)): signed-in browsers must sign in again; it will be rewritten"
      )
      return []
    }
  }

  /// Queues a write of `entries`. Call it while holding the store's lock, so queue order is
  /// snapshot order.
  func save(_ entries: [Entry]) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    guard let data = try? encoder.encode(Contents(sessions: entries)) else { return }
    let path = path
    let log = log
    queue.async {
      do {
        try PrivateFile.save(data, to: path)
      } catch {
        log.warning(
          "sessions not saved: \(error); signed-in browsers will have to sign in again after a restart"
        )
      }
    }
  }

  /// Waits until every queued write has reached the disk.
  func flush() { queue.sync {} }
}
