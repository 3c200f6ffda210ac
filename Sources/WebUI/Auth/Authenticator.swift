// Checks who a request comes from: a session cookie, or HTTP Basic credentials of a configured user.
// Password checks are limited per client address (`LoginThrottle`), shared between parallel requests
// with the same credentials (`SingleFlight`) and run on a bounded queue (`FairBlockingQueue`).
import Foundation
import HTTPTypes
import HummingbirdAuth
import HummingbirdBcrypt
import VMSConfig

public final class Authenticator: Sendable {
  /// What a password check found.
  enum PasswordCheck: Sendable {
    case accepted(UserSettings)
    case rejected
    /// Not checked: the client's address had too many checks in the last minute.
    case throttled(retryAfterSeconds: Int)
  }

  /// Who a request comes from.
  enum Caller: Sendable, Equatable {
    case user(SignedInUser)
    case nobody
    case throttled(retryAfterSeconds: Int)
  }

  public let accounts: AccountBook
  public let sessions: SessionStore
  let basicCache: BasicCredentialCache
  let throttle: LoginThrottle
  /// Parallel checks of the same credentials from the same address share one bcrypt run.
  let sharedChecks = SingleFlight<PasswordCheck>()
  /// bcrypt at cost 12 is ~0.3 s of one core: at most half the cores check passwords at once.
  let passwordChecks = FairBlockingQueue(
    label: "vms.web.password-checks",
    maxConcurrent: ProcessInfo.processInfo.activeProcessorCount / 2)

  public init(accounts: AccountBook, sessions: SessionStore = SessionStore()) {
    self.accounts = accounts
    self.sessions = sessions
    self.basicCache = BasicCredentialCache()
    self.throttle = LoginThrottle()
  }

  /// Compared against when the user name is unknown, so a wrong name costs as long as a wrong
  /// password and response times do not reveal which names exist.
  private static let unknownUserHash = Bcrypt.hash(RandomToken.sessionToken(), cost: 12)

  /// The account whose password this is, unless `client` (see `ClientAddress`) has had too many
  /// password checks lately. Requests checking the same credentials from the same client at the
  /// same time share one check, and count once.
  func verify(name: String, password: String, client: String) async -> PasswordCheck {
    // The key is a digest: the table of running checks never holds a password.
    let key = Digest.sha256Hex([client, name, password].joined(separator: "\u{0}"))
    return await sharedChecks.value(for: key) {
      await self.check(name: name, password: password, client: client)
    }
  }

  private func check(name: String, password: String, client: String) async -> PasswordCheck {
    let permit: LoginThrottle.Permit
    switch throttle.reserve(for: client) {
    case .granted(let granted): permit = granted
    case .refused(let seconds): return .throttled(retryAfterSeconds: seconds)
    }
    let user = await accounts.user(named: name)
    let hash = user?.passwordHash
    let matches = await passwordChecks.run(for: client) {
      Bcrypt.verify(password, hash: hash ?? Self.unknownUserHash)
    }
    guard matches, let user else { return .rejected }
    throttle.succeeded(permit)
    return .accepted(user)
  }

  /// The user of a request from its headers (the session cookie, else HTTP Basic credentials,
  /// parsed by HummingbirdAuth) and the address it comes from.
  func caller(headers: HTTPFields, client: String) async -> Caller {
    if let token = SessionCookie.token(of: headers), let holder = sessions.holder(of: token) {
      if let user = await accounts.user(named: holder.userName),
        SessionStore.credentialStamp(passwordHash: user.passwordHash) == holder.credential
      {
        return .user(SignedInUser(name: user.name, role: user.role))
      }
      sessions.remove(token: token)  // the user was removed, or their password changed
    }
    // `basic` splits at the first colon (a password may contain colons).
    guard let authorization = headers[.authorization], let credentials = headers.basic else {
      return .nobody
    }
    let users = await accounts.users()
    if let cached = basicCache.userName(
      forHeader: authorization,
      currentHash: { name in users.first { $0.name == name }?.passwordHash }),
      let user = users.first(where: { $0.name == cached })
    {
      return .user(SignedInUser(name: user.name, role: user.role))
    }
    switch await verify(
      name: credentials.username, password: credentials.password, client: client)
    {
    case .accepted(let user):
      basicCache.remember(
        header: authorization, userName: user.name, passwordHash: user.passwordHash)
      return .user(SignedInUser(name: user.name, role: user.role))
    case .rejected:
      return .nobody
    case .throttled(let seconds):
      return .throttled(retryAfterSeconds: seconds)
    }
  }
}
