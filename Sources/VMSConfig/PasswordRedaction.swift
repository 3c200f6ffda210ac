// PasswordRedaction: camera URLs with their password hidden, for logs and API answers.

private let secretQueryKeys: Set<String> = ["password", "passwd", "pass", "pwd"]

/// `url` with the password replaced by `***`: the `user:password@` part, and query parameters
/// named password, passwd, pass or pwd (snapshot URLs of many cameras). Anything that is not a
/// `scheme://` URL (a file path) comes back unchanged.
///
/// Errs on the side of hiding: a password with unencoded `/`, `?` or `#` is still found.
public func redactingPassword(_ url: String) -> String {
  guard let parts = URLParts(url, lenient: true) else { return url }
  var result = String(parts.scheme) + "://"
  if let userInfo = parts.userInfo {
    if let colon = userInfo.firstIndex(of: ":") {
      let password = userInfo[userInfo.index(after: colon)...]
      result += userInfo[...colon] + (password.isEmpty ? "" : "***")
    } else {
      result += userInfo
    }
    result += "@"
  }
  result += parts.hostPort
  result += redactingQuery(parts.tail)
  return result
}

private func redactingQuery(_ tail: Substring) -> String {
  guard let questionMark = tail.firstIndex(of: "?") else { return String(tail) }
  var query = tail[tail.index(after: questionMark)...]
  var fragment: Substring = ""
  if let hash = query.firstIndex(of: "#") {
    fragment = query[hash...]
    query = query[..<hash]
  }
  let parameters = query.split(separator: "&", omittingEmptySubsequences: false).map {
    parameter -> String in
    guard let equals = parameter.firstIndex(of: "=") else { return String(parameter) }
    let key = parameter[..<equals].lowercased()
    guard secretQueryKeys.contains(key), parameter.index(after: equals) < parameter.endIndex else {
      return String(parameter)
    }
    return parameter[...equals] + "***"
  }
  return tail[...questionMark] + parameters.joined(separator: "&") + fragment
}
