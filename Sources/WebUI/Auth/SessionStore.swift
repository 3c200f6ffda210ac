// Signed-in browser sessions: random 256-bit tokens (the `vms_session` cookie) mapped to a user name.
//
// In memory on purpose: a restart signs everyone out, which is acceptable for a box that restarts
// rarely, and no session secret ever lands on disk. Expiry slides: each use pushes it back by
// `lifetime` (7 days by default), so a wall display stays signed in while an unused session dies.
import Foundation
import Synchronization

public final class SessionStore: Sendable {
  struct Session {
    var userName: String
    var expires: Date
  }

  /// Beyond this many live sessions the least recently used one is dropped (bounded memory even
  /// against a script signing in in a loop).
  static let maxSessions = 10_000

  let lifetime: TimeInterval
  private let now: @Sendable () -> Date
  private let sessions = Mutex<[String: Session]>([:])

  public init(lifetime: TimeInterval = 7 * 24 * 3600, now: @escaping @Sendable () -> Date = Date.init) {
    self.lifetime = lifetime
    self.now = now
  }

  /// A new session for `userName`; returns its token.
  public func create(userName: String) -> String {
    let token = RandomToken.sessionToken()
    let now = now()
    sessions.withLock { sessions in
      sessions = sessions.filter { $0.value.expires > now }
      if sessions.count >= Self.maxSessions,
        let oldest = sessions.min(by: { $0.value.expires < $1.value.expires })?.key
      {
        sessions[oldest] = nil
      }
      sessions[token] = Session(userName: userName, expires: now + lifetime)
    }
    return token
  }

  /// The user name of a live session, extending it; nil for an unknown or expired token.
  public func userName(for token: String) -> String? {
    let now = now()
    return sessions.withLock { sessions in
      guard let session = sessions[token] else { return nil }
      guard session.expires > now else {
        sessions[token] = nil
        return nil
      }
      sessions[token]?.expires = now + lifetime
      return session.userName
    }
  }

  public func remove(token: String) {
    _ = sessions.withLock { $0.removeValue(forKey: token) }
  }

  var count: Int { sessions.withLock { $0.count } }
}
