// ListenAddress: the `server.listen` value, `host:port` or `[ipv6]:port`.

enum ListenAddress {
  static let hint =
    "write \"127.0.0.1:8080\" (this machine only), \"0.0.0.0:8080\" (every network) or \"[::1]:8080\""

  /// The host (without brackets) and port, or why the text is not an address.
  static func parse(_ text: String) -> Result<(host: String, port: Int), Reason> {
    let host: Substring
    let portText: Substring
    if text.hasPrefix("[") {
      guard let close = text.firstIndex(of: "]") else {
        return .failure(Reason("has no closing ']'"))
      }
      host = text[text.index(after: text.startIndex)..<close]
      let after = text[text.index(after: close)...]
      guard after.hasPrefix(":") else { return .failure(Reason("has no port after ']'")) }
      portText = after.dropFirst()
      guard !host.isEmpty,
        host.allSatisfy({
          $0.isHexDigit || $0 == ":" || $0 == "." || $0 == "%" || $0.isLetter || $0.isNumber
        })
      else { return .failure(Reason("has a bad IPv6 address \"\(host)\"")) }
    } else {
      guard let colon = text.lastIndex(of: ":") else {
        return .failure(Reason("has no port"))
      }
      host = text[..<colon]
      portText = text[text.index(after: colon)...]
      if host.contains(":") {
        return .failure(Reason("has an IPv6 address without brackets"))
      }
      if host.isEmpty { return .failure(Reason("has no host")) }
      guard
        host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") })
      else {
        return .failure(Reason("has a bad host \"\(host)\""))
      }
    }
    guard let port = Int(portText), (1...65535).contains(port) else {
      return .failure(Reason("has a bad port \"\(portText)\" (1 to 65535)"))
    }
    return .success((String(host), port))
  }

  struct Reason: Error {
    var text: String
    init(_ text: String) { self.text = text }
  }
}
