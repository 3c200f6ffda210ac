// Cross-site request refusal for state-changing requests: a page on another site must not be able
// to make a signed-in browser archive or delete clips. Browsers send `Origin` on cross-origin
// (and same-origin non-GET) fetches; without it `Referer` is used. A request with neither comes
// from a non-browser client (curl with Basic credentials) and is allowed.

enum OriginCheck {
  /// Whether the request's `Origin` (or else `Referer`) names the host the request was sent to.
  static func isSameOrigin(origin: String?, referer: String?, host: String?) -> Bool {
    if let origin {
      guard let host else { return false }
      return authority(ofOrigin: origin).map { sameAuthority($0, host) } ?? false
    }
    if let referer {
      guard let host else { return false }
      return authority(ofOrigin: referer).map { sameAuthority($0, host) } ?? false
    }
    return true
  }

  /// `host[:port]` of `scheme://host[:port][/...]`, lowercased, with the scheme's default port
  /// removed; nil for `null` or anything that is not an http(s) origin.
  static func authority(ofOrigin text: String) -> String? {
    let lower = text.lowercased()
    let scheme: String
    let rest: Substring
    if lower.hasPrefix("http://") {
      scheme = "http"
      rest = lower.dropFirst(7)
    } else if lower.hasPrefix("https://") {
      scheme = "https"
      rest = lower.dropFirst(8)
    } else {
      return nil
    }
    let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
    guard !authority.isEmpty, !authority.contains("@") else { return nil }
    return normalized(String(authority), scheme: scheme)
  }

  static func sameAuthority(_ originAuthority: String, _ host: String) -> Bool {
    let host = host.lowercased()
    return originAuthority == host || originAuthority == normalized(host, scheme: "http")
      || originAuthority == normalized(host, scheme: "https")
  }

  private static func normalized(_ authority: String, scheme: String) -> String {
    let defaultPort = scheme == "https" ? ":443" : ":80"
    return authority.hasSuffix(defaultPort)
      ? String(authority.dropLast(defaultPort.count)) : authority
  }
}
