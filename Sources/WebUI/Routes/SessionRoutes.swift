// POST /api/v1/login, POST /api/v1/logout, GET /api/v1/me.
import Foundation
import Hummingbird
import VMSConfig

enum SessionRoutes {
  struct Credentials: Decodable {
    var name: String
    var password: String
  }

  static func add(to router: Router<VMSRequestContext>, environment: WebEnvironment) {
    let authenticator = environment.authenticator
    let maxAge = Int(authenticator.sessions.lifetime)

    router.post("/api/v1/login") { request, context -> Response in
      let credentials: Credentials
      do {
        credentials = try await request.decode(as: Credentials.self, context: context)
      } catch {
        throw APIError.badRequest(#"send {"name":"...","password":"..."} as JSON"#)
      }
      let wrong = APIError(.unauthorized, "wrong user name or password")
      guard credentials.name.utf8.count <= 128, credentials.password.utf8.count <= 1024 else {
        throw wrong
      }
      let user: UserSettings
      switch await authenticator.verify(
        name: credentials.name, password: credentials.password,
        client: ClientAddress.key(of: context.remoteAddress))
      {
      case .accepted(let account): user = account
      case .rejected: throw wrong
      case .throttled(let seconds): throw APIError.tooManySignInAttempts(retryAfterSeconds: seconds)
      }
      let token = authenticator.sessions.create(
        userName: user.name,
        credential: SessionStore.credentialStamp(passwordHash: user.passwordHash))
      var response = JSONBody.response(SignedInUser(name: user.name, role: user.role))
      response.setCookie(SessionCookie.cookie(token: token, maxAgeSeconds: maxAge))
      context.logger.info("user \(user.name) signed in")
      return response
    }

    router.post("/api/v1/logout") { request, _ -> Response in
      if let token = SessionCookie.token(in: request.cookies) {
        authenticator.sessions.remove(token: token)
      }
      var response = Response(status: .noContent)
      response.setCookie(SessionCookie.cleared)
      return response
    }

    router.get("/api/v1/me") { request, context -> Response in
      var response = JSONBody.response(try context.requireUser())
      // Slide the browser's copy of the cookie along with the server's expiry.
      if let token = SessionCookie.token(in: request.cookies),
        authenticator.sessions.userName(for: token) != nil
      {
        response.setCookie(SessionCookie.cookie(token: token, maxAgeSeconds: maxAge))
      }
      return response
    }
  }
}
