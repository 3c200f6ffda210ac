// URLParts: a `scheme://user:password@host:port/rest` URL split into its pieces, without Foundation
// and without decoding anything, so the pieces can be checked and the URL rebuilt byte for byte.

struct URLParts {
  var scheme: Substring
  /// `user:password`, without the `@`; nil when the URL has none.
  var userInfo: Substring?
  /// `host`, `host:port` or `[v6]:port`.
  var hostPort: Substring
  /// Path, query and fragment, starting with `/`, `?` or `#`, or empty.
  var tail: Substring

  /// Nil when `url` does not start with `scheme://`.
  ///
  /// `lenient` is for redaction: a password with an unencoded `/`, `?` or `#` hides the `@` from the
  /// standard split, which would then leave the password in the "host"; the lenient split takes the
  /// last `@` anywhere when what precedes it contains a `:`. That can mangle a password-less URL
  /// with an `@` in its query (`http://cam:80/x?mail=a@b`), a price paid to never leak a password.
  init?(_ url: String, lenient: Bool = false) {
    guard let colon = url.firstIndex(of: ":") else { return nil }
    let scheme = url[..<colon]
    guard Self.isScheme(scheme) else { return nil }
    let afterColon = url[url.index(after: colon)...]
    guard afterColon.hasPrefix("//") else { return nil }
    let rest = afterColon.dropFirst(2)
    self.scheme = scheme

    let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
    let authority = rest[..<authorityEnd]
    if let at = authority.lastIndex(of: "@") {
      userInfo = authority[..<at]
      hostPort = authority[authority.index(after: at)...]
      tail = rest[authorityEnd...]
      return
    }
    if lenient {
      if let at = rest.lastIndex(of: "@"), rest[..<at].contains(":") {
        userInfo = rest[..<at]
        let afterAt = rest[rest.index(after: at)...]
        let hostEnd = afterAt.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? afterAt.endIndex
        hostPort = afterAt[..<hostEnd]
        tail = afterAt[hostEnd...]
        return
      }
    }
    userInfo = nil
    hostPort = authority
    tail = rest[authorityEnd...]
  }

  /// A URL scheme by RFC 3986: a letter, then letters, digits, `+`, `-` or `.`.
  static func isScheme(_ text: Substring) -> Bool {
    guard let first = text.unicodeScalars.first, first.isASCIILetter else { return false }
    return text.unicodeScalars.allSatisfy {
      $0.isASCIILetter || $0.isASCIIDigit || $0 == "+" || $0 == "." || $0 == "-"
    }
  }

  /// The host without port or IPv6 brackets, and the port text if any.
  var hostAndPort: (host: Substring, port: Substring?) {
    if hostPort.hasPrefix("[") {
      guard let close = hostPort.firstIndex(of: "]") else { return (hostPort, nil) }
      let host = hostPort[hostPort.index(after: hostPort.startIndex)..<close]
      let after = hostPort[hostPort.index(after: close)...]
      return (host, after.hasPrefix(":") ? after.dropFirst() : nil)
    }
    guard let colon = hostPort.lastIndex(of: ":") else { return (hostPort, nil) }
    return (hostPort[..<colon], hostPort[hostPort.index(after: colon)...])
  }
}

extension Unicode.Scalar {
  var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
  var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
