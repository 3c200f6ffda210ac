// Limits password guessing per client address: at most `maxChecksPerWindow` password checks
// (bcrypt runs) in any `windowSeconds`. A check reserves its place before it runs, so parallel
// requests cannot slip past the limit; a check that succeeds gives its place back, so signing in
// never uses the budget up. Requests over the limit are refused at once, without running bcrypt,
// with the seconds until a place frees up. Counted by address, not by user name, so guesses from
// one address never lock the real user out when they sign in from another.
import Foundation
import Synchronization

final class LoginThrottle: Sendable {
  /// A reserved place: give it back with `succeeded` when the password was right.
  struct Permit: Sendable, Equatable {
    let client: String
    let reservedAt: Date
  }

  enum Decision: Sendable, Equatable {
    case granted(Permit)
    case refused(retryAfterSeconds: Int)
  }

  static let maxChecksPerWindow = 10
  static let windowSeconds: TimeInterval = 60
  /// Beyond this many addresses, those with no recent check are forgotten (bounded memory).
  static let maxClients = 10_000

  private let now: @Sendable () -> Date
  /// Per client address, when its counted checks were reserved (at most `maxChecksPerWindow`).
  private let checks = Mutex<[String: [Date]]>([:])

  init(now: @escaping @Sendable () -> Date = Date.init) {
    self.now = now
  }

  func reserve(for client: String) -> Decision {
    let now = now()
    return checks.withLock { checks in
      var times = (checks[client] ?? []).filter { now.timeIntervalSince($0) < Self.windowSeconds }
      if times.count >= Self.maxChecksPerWindow, let oldest = times.min() {
        checks[client] = times
        let wait = Self.windowSeconds - now.timeIntervalSince(oldest)
        return .refused(retryAfterSeconds: max(1, Int(wait.rounded(.up))))
      }
      if checks[client] == nil, checks.count >= Self.maxClients {
        checks = checks.filter {
          $0.value.contains { now.timeIntervalSince($0) < Self.windowSeconds }
        }
        if checks.count >= Self.maxClients { checks.removeAll() }
      }
      times.append(now)
      checks[client] = times
      return .granted(Permit(client: client, reservedAt: now))
    }
  }

  /// The password was right: its check is not counted.
  func succeeded(_ permit: Permit) {
    checks.withLock { checks in
      guard var times = checks[permit.client], let index = times.firstIndex(of: permit.reservedAt)
      else {
        return
      }
      times.remove(at: index)
      checks[permit.client] = times.isEmpty ? nil : times
    }
  }
}
