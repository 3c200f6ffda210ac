// The accounts allowed to sign in: the YAML's `auth.users` as currently applied (so a hot reload
// adds, removes or re-roles users at once), or the generated admin when the YAML defines none.
import VMSConfig

public struct AccountBook: Sendable {
  private let configured: @Sendable () async -> [UserSettings]
  private let generated: @Sendable () -> UserSettings?

  /// `generated`: the account to use while `configured` is empty (made on first call).
  public init(
    configured: @escaping @Sendable () async -> [UserSettings],
    generated: @escaping @Sendable () -> UserSettings? = { nil }
  ) {
    self.configured = configured
    self.generated = generated
  }

  public func users() async -> [UserSettings] {
    let users = await configured()
    if users.isEmpty, let generated = generated() { return [generated] }
    return users
  }

  public func user(named name: String) async -> UserSettings? {
    await users().first { $0.name == name }
  }
}
