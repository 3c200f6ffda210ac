// Checks who a request comes from: a session cookie, or HTTP Basic credentials of a configured user.
import Foundation
import HummingbirdBcrypt
import VMSConfig

public final class Authenticator: Sendable {
  public let accounts: AccountBook
  public let sessions: SessionStore
  let basicCache: BasicCredentialCache
  let throttle: LoginThrottle

  public init(accounts: AccountBook, sessions: SessionStore = SessionStore()) {
    self.accounts = accounts
    self.sessions = sessions
    self.basicCache = BasicCredentialCache()
    self.throttle = LoginThrottle()
  }

  /// Compared against when the user name is unknown, so a wrong name costs as long as a wrong
  /// password and response times do not reveal which names exist.
  private static let unknownUserHash = Bcrypt.hash(RandomToken.sessionToken(), cost: 12)

  /// The account whose password this is, or nil; slowed down after recent failures for that name.
  func verify(name: String, password: String) async -> UserSettings? {
    let delay = throttle.delay(for: name)
    if delay > 0 { try? await Task.sleep(for: .seconds(delay)) }
    let user = await accounts.user(named: name)
    let hash = user?.passwordHash ?? Self.unknownUserHash
    let matches = await Blocking.run { Bcrypt.verify(password, hash: hash) }
    guard matches, let user else {
      throttle.failed(name)
      return nil
    }
    throttle.succeeded(name)
    return user
  }

  /// The user of a request from its `Cookie` and `Authorization` headers, nil when neither holds
  /// valid credentials.
  func user(cookieHeader: String?, authorization: String?) async -> SignedInUser? {
    if let token = SessionCookie.token(fromCookieHeader: cookieHeader),
      let holder = sessions.holder(of: token)
    {
      if let user = await accounts.user(named: holder.userName),
        SessionStore.credentialStamp(passwordHash: user.passwordHash) == holder.credential
      {
        return SignedInUser(name: user.name, role: user.role)
      }
      sessions.remove(token: token)  // the user was removed, or their password changed
    }
    guard let authorization, let (name, password) = Self.basicCredentials(authorization) else {
      return nil
    }
    let users = await accounts.users()
    if let cached = basicCache.userName(
      forHeader: authorization,
      currentHash: { name in users.first { $0.name == name }?.passwordHash }),
      let user = users.first(where: { $0.name == cached })
    {
      return SignedInUser(name: user.name, role: user.role)
    }
    guard let user = await verify(name: name, password: password) else { return nil }
    basicCache.remember(header: authorization, userName: user.name, passwordHash: user.passwordHash)
    return SignedInUser(name: user.name, role: user.role)
  }

  /// `Basic base64(name:password)` split at the first colon (a password may contain colons).
  static func basicCredentials(_ header: String) -> (name: String, password: String)? {
    let parts = header.split(separator: " ", maxSplits: 1)
    guard parts.count == 2, parts[0].lowercased() == "basic",
      let data = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)),
      let decoded = String(data: data, encoding: .utf8),
      let colon = decoded.firstIndex(of: ":")
    else { return nil }
    return (String(decoded[..<colon]), String(decoded[decoded.index(after: colon)...]))
  }
}
