// The generated admin, made when first needed: at start-up when the YAML defines no user, or later
// when a hot reload removes the last one. Without the second case, emptying `auth.users` on a
// running server would leave nobody able to sign in until a restart.
import Foundation
import Synchronization
import VMSConfig

final class GeneratedAdminSource: Sendable {
  private enum State {
    case notYet
    case ready(UserSettings)
    case failed
  }

  private let dataDirectory: String
  /// Where a notice goes when the account is created after start-up (the new password, once).
  private let announce: @Sendable (String) -> Void
  private let state = Mutex(State.notYet)

  init(dataDirectory: String, announce: @escaping @Sendable (String) -> Void) {
    self.dataDirectory = dataDirectory
    self.announce = announce
  }

  /// Loads or creates the account now; the one-time notice when it was just created, for the
  /// caller to print at start-up.
  func prepare() throws -> String? {
    let admin = try GeneratedAdmin.loadOrCreate(dataDirectory: dataDirectory)
    state.withLock { $0 = .ready(admin.user) }
    return admin.newPassword.map {
      GeneratedAdmin.notice(
        password: $0, path: GeneratedAdmin.filePath(dataDirectory: dataDirectory))
    }
  }

  /// The account, loaded or created on first need; nil when it cannot be set up (said once).
  func user() -> UserSettings? {
    state.withLock { state in
      switch state {
      case .ready(let user): return user
      case .failed: return nil
      case .notYet:
        do {
          let admin = try GeneratedAdmin.loadOrCreate(dataDirectory: dataDirectory)
          if let password = admin.newPassword {
            announce(
              GeneratedAdmin.notice(
                password: password, path: GeneratedAdmin.filePath(dataDirectory: dataDirectory)))
          }
          state = .ready(admin.user)
          return admin.user
        } catch {
          state = .failed
          announce(
            "the YAML defines no user any more and the generated admin cannot be set up: \(error)")
          return nil
        }
      }
    }
  }
}
