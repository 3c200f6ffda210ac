// Who a request comes from, once the auth middleware has checked a session cookie or Basic credentials.
import VMSConfig

public struct SignedInUser: Sendable, Equatable, Codable {
  public var name: String
  public var role: String

  public init(name: String, role: UserRole) {
    self.name = name
    self.role = role.rawValue
  }

  public var isAdmin: Bool { role == UserRole.admin.rawValue }
}
