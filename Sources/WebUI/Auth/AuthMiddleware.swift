// The gate in front of every API route: who is calling (cookie or Basic), whether a state-changing
// request comes from this site, and whether the caller's role allows it.
import Hummingbird

struct AuthMiddleware: RouterMiddleware {
  typealias Context = VMSRequestContext
  let authenticator: Authenticator

  /// Routes anyone may call (method, path).
  static let openRoutes: Set<String> = ["GET /api/v1/health", "POST /api/v1/login"]
  /// State-changing routes a viewer may call (their own session).
  static let viewerWrites: Set<String> = ["POST /api/v1/logout"]

  static func isStateChanging(_ method: HTTPRequest.Method) -> Bool {
    method != .get && method != .head && method != .options
  }

  func handle(
    _ request: Request, context: Context, next: (Request, Context) async throws -> Response
  ) async throws -> Response {
    let path = request.uri.path
    guard path.hasPrefix("/api/") || path == MetricsRoutes.path else {
      return try await next(request, context)
    }
    let route = "\(request.method.rawValue) \(path)"
    // WebSocket upgrades are GETs, but a page on another site must not open the event stream with
    // the user's cookie either: the Origin check applies to them too.
    let isUpgrade = request.headers[.upgrade]?.lowercased() == "websocket"
    if Self.isStateChanging(request.method) || isUpgrade {
      guard
        OriginCheck.isSameOrigin(
          origin: request.headers[.origin], referer: request.headers[.referer],
          host: request.head.authority)
      else { throw APIError.crossOrigin }
    }
    if Self.openRoutes.contains(route) { return try await next(request, context) }

    let user: SignedInUser
    switch await authenticator.caller(
      headers: request.headers, client: ClientAddress.key(of: context.remoteAddress))
    {
    case .user(let caller): user = caller
    case .nobody: throw APIError.unauthorized
    case .throttled(let seconds): throw APIError.tooManySignInAttempts(retryAfterSeconds: seconds)
    }
    if Self.isStateChanging(request.method), !user.isAdmin, !Self.viewerWrites.contains(route) {
      throw APIError.forbiddenForViewer
    }
    var context = context
    context.user = user
    return try await next(request, context)
  }
}
