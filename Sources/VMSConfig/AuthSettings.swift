// AuthSettings: the `auth:` section, the accounts allowed to sign in.

public struct AuthSettings: Sendable, Equatable {
  /// In file order; names are unique.
  public var users: [UserSettings]

  public init(users: [UserSettings] = []) {
    self.users = users
  }
}
