// Signed-in browser sessions: random 256-bit tokens (the `vms_session` cookie) mapped to a user
// name. Expiry slides: each use pushes it back by `lifetime` (7 days by default), so a wall display
// stays signed in while an unused session dies.
//
// Sessions are keyed by the SHA-256 of the token, in memory and in the optional `SessionFile`, so
// they survive a restart without a usable secret ever landing on disk. Each also carries a stamp
// of the password hash its user signed in with: changing a user's password in the YAML signs out
// that user's sessions.
import Foundation
import Synchronization

public final class SessionStore: Sendable {
  struct Session {
    var userName: String
    var credential: String
    var expires: Date
  }

  /// What a valid token yields.
  struct Holder: Equatable {
    var userName: String
    var credential: String
  }

  private struct State {
    var sessions: [String: Session] = [:]
    /// When the sessions were last queued for saving: sliding expiries are saved at most once per
    /// `saveEvery`, sign-ins and sign-outs at once.
    var savedAt = Date.distantPast
  }

  /// Beyond this many live sessions the least recently used one is dropped (bounded memory even
  /// against a script signing in in a loop).
  static let maxSessions = 10_000
  /// A restart loses at most this much of the sliding expiry (out of a 7-day lifetime).
  static let saveEvery: TimeInterval = 3600

  let lifetime: TimeInterval
  private let now: @Sendable () -> Date
  private let file: SessionFile?
  private let state = Mutex(State())

  /// Sessions in memory only: a restart signs everyone out.
  public convenience init(
    lifetime: TimeInterval = 7 * 24 * 3600, now: @escaping @Sendable () -> Date = Date.init
  ) {
    self.init(lifetime: lifetime, file: nil, now: now)
  }

  /// `file`: where sessions persist across restarts (nil: in memory only).
  init(
    lifetime: TimeInterval = 7 * 24 * 3600, file: SessionFile?,
    now: @escaping @Sendable () -> Date = Date.init
  ) {
    self.lifetime = lifetime
    self.now = now
    self.file = file
    let now = now()
    var loaded: [String: Session] = [:]
    for entry in file?.load() ?? [] {
      let expires = Date(timeIntervalSince1970: TimeInterval(entry.expiresEpochSeconds))
      guard expires > now, entry.tokenSHA256.count == 64 else { continue }
      loaded[entry.tokenSHA256] = Session(
        userName: entry.user, credential: entry.credential, expires: expires)
    }
    state.withLock { $0.sessions = loaded }
  }

  /// Sessions kept in `dataDirectory`/auth/sessions.json.
  public convenience init(dataDirectory: String) {
    self.init(file: SessionFile(path: SessionFile.path(dataDirectory: dataDirectory)))
  }

  /// The stamp a session keeps of the password hash its user signed in with.
  static func credentialStamp(passwordHash: String) -> String {
    String(Digest.sha256Hex(passwordHash).prefix(16))
  }

  /// A new session for `userName`, who signed in with the password whose stamp is `credential`;
  /// returns its token.
  func create(userName: String, credential: String) -> String {
    let token = RandomToken.sessionToken()
    let now = now()
    state.withLock { state in
      state.sessions = state.sessions.filter { $0.value.expires > now }
      if state.sessions.count >= Self.maxSessions,
        let oldest = state.sessions.min(by: { $0.value.expires < $1.value.expires })?.key
      {
        state.sessions[oldest] = nil
      }
      state.sessions[Self.key(token)] = Session(
        userName: userName, credential: credential, expires: now + lifetime)
      save(&state, at: now)
    }
    return token
  }

  /// Who holds a live session, extending it; nil for an unknown or expired token.
  func holder(of token: String) -> Holder? {
    let now = now()
    let key = Self.key(token)
    return state.withLock { state in
      guard let session = state.sessions[key] else { return nil }
      guard session.expires > now else {
        state.sessions[key] = nil
        return nil
      }
      state.sessions[key]?.expires = now + lifetime
      if now.timeIntervalSince(state.savedAt) >= Self.saveEvery { save(&state, at: now) }
      return Holder(userName: session.userName, credential: session.credential)
    }
  }

  /// The user name of a live session, extending it; nil for an unknown or expired token.
  public func userName(for token: String) -> String? { holder(of: token)?.userName }

  public func remove(token: String) {
    let now = now()
    state.withLock { state in
      if state.sessions.removeValue(forKey: Self.key(token)) != nil { save(&state, at: now) }
    }
  }

  /// Waits until the sessions are on disk (tests, and a clean stop).
  public func flush() { file?.flush() }

  var count: Int { state.withLock { $0.sessions.count } }

  private static func key(_ token: String) -> String { Digest.sha256Hex(token) }

  /// Queues a snapshot for the file; called with the lock held so snapshots are written in order.
  private func save(_ state: inout State, at now: Date) {
    guard let file else { return }
    state.savedAt = now
    file.save(
      state.sessions.filter { $0.value.expires > now }.map { key, session in
        SessionFile.Entry(
          tokenSHA256: key, user: session.userName, credential: session.credential,
          expiresEpochSeconds: Int64(session.expires.timeIntervalSince1970))
      }.sorted { $0.tokenSHA256 < $1.tokenSHA256 })
  }
}
