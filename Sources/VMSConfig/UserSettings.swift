// UserSettings: one account from `auth.users`.

public struct UserSettings: Sendable, Equatable {
  public var name: String
  /// A bcrypt hash, as printed by `vms hash-password`; never the password itself.
  public var passwordHash: String
  public var role: UserRole

  public init(name: String, passwordHash: String, role: UserRole = .viewer) {
    self.name = name
    self.passwordHash = passwordHash
    self.role = role
  }
}
