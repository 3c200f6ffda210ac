// The `vms_session` cookie, read and written with Hummingbird's `Cookies` and `Cookie`.
import Hummingbird

enum SessionCookie {
  static let name = "vms_session"

  /// The session token among `cookies`, if well formed (64 lowercase hex digits: anything else
  /// cannot be a token we issued).
  static func token(in cookies: Cookies) -> String? {
    guard let value = cookies[name]?.value, value.utf8.count == 64,
      value.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) })
    else { return nil }
    return value
  }

  /// The session token of a request's `Cookie` header(s).
  static func token(of headers: HTTPFields) -> String? {
    token(in: Cookies(from: headers[values: .cookie]))
  }

  /// The cookie of a session. `Max-Age` matches the server's sliding lifetime; `GET /api/v1/me`
  /// (which every page calls on load) sends it again so the browser's copy slides too.
  static func cookie(token: String, maxAgeSeconds: Int) -> Cookie {
    Cookie(
      name: name, value: token, maxAge: maxAgeSeconds, path: "/", httpOnly: true, sameSite: .strict)
  }

  /// Clears the browser's copy at sign-out.
  static var cleared: Cookie {
    Cookie(name: name, value: "", maxAge: 0, path: "/", httpOnly: true, sameSite: .strict)
  }
}
