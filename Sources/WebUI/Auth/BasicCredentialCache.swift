// Recently verified HTTP Basic credentials. bcrypt at cost 12 takes about 250 ms on purpose; an API
// client sending Basic on every request (a video player fetching ranges, a script polling) would pay
// it each time. A successful check is remembered for a short time, keyed by the SHA-256 of the
// header value so the cache never holds a password, and tied to the password hash it was checked
// against so a changed password takes effect at once. It is filled only once a check has finished:
// requests arriving together all miss it, and share one check instead (`SingleFlight`).
import Foundation
import Synchronization

final class BasicCredentialCache: Sendable {
  struct Entry {
    var userName: String
    var passwordHash: String
    var expires: Date
  }

  static let maxEntries = 1000

  let lifetime: TimeInterval
  private let now: @Sendable () -> Date
  private let entries = Mutex<[String: Entry]>([:])

  init(lifetime: TimeInterval = 300, now: @escaping @Sendable () -> Date = Date.init) {
    self.lifetime = lifetime
    self.now = now
  }

  static func key(ofHeader header: String) -> String { Digest.sha256Hex(header) }

  /// The user name verified for this header, if the check is recent and made against `currentHash`.
  func userName(forHeader header: String, currentHash: (String) -> String?) -> String? {
    let key = Self.key(ofHeader: header)
    let now = now()
    guard let entry = entries.withLock({ $0[key] }), entry.expires > now,
      currentHash(entry.userName) == entry.passwordHash
    else { return nil }
    return entry.userName
  }

  func remember(header: String, userName: String, passwordHash: String) {
    let key = Self.key(ofHeader: header)
    let now = now()
    entries.withLock { entries in
      if entries.count >= Self.maxEntries { entries = entries.filter { $0.value.expires > now } }
      if entries.count >= Self.maxEntries { entries.removeAll() }
      entries[key] = Entry(userName: userName, passwordHash: passwordHash, expires: now + lifetime)
    }
  }
}
