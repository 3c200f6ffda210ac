// The `vms_session` cookie: reading it from a `Cookie` header and writing `Set-Cookie` values.

enum SessionCookie {
  static let name = "vms_session"

  /// The session token from a `Cookie` header (`a=1; vms_session=...; b=2`), if well formed
  /// (64 lowercase hex digits: anything else cannot be a token we issued).
  static func token(fromCookieHeader header: String?) -> String? {
    guard let header else { return nil }
    for pair in header.split(separator: ";") {
      let trimmed = pair.drop { $0 == " " }
      guard trimmed.hasPrefix(name + "=") else { continue }
      let value = trimmed.dropFirst(name.count + 1)
      guard value.utf8.count == 64,
        value.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) })
      else { return nil }
      return String(value)
    }
    return nil
  }

  /// `Set-Cookie` for a session. `Max-Age` matches the server's sliding lifetime; `GET /api/v1/me`
  /// (which every page calls on load) sends it again so the browser's copy slides too.
  static func setValue(token: String, maxAgeSeconds: Int) -> String {
    "\(name)=\(token); Path=/; Max-Age=\(maxAgeSeconds); HttpOnly; SameSite=Strict"
  }

  static var clearValue: String {
    "\(name)=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"
  }
}
