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
  guard let query = QueryParts(tail) else { return String(tail) }
  return query.rebuilt { key, value in
    secretQueryKeys.contains(key) && !value.isEmpty ? "***" : value
  }
}

/// The inverse of `redactingPassword` for a URL edited in a form: every `***` the server showed in
/// place of a secret (the password of `user:***@`, a `password=***` query value) is put back from
/// `stored`, the URL as configured; whatever the user changed is kept.
public func restoringPassword(_ url: String, from stored: String) -> String {
  if redactingPassword(stored) == url { return stored }
  guard let edited = URLParts(url, lenient: true), let original = URLParts(stored, lenient: true)
  else {
    return url
  }
  var result = String(edited.scheme) + "://"
  if let userInfo = edited.userInfo {
    if let colon = userInfo.firstIndex(of: ":"), userInfo[userInfo.index(after: colon)...] == "***",
      let storedInfo = original.userInfo, let storedColon = storedInfo.firstIndex(of: ":")
    {
      result += userInfo[...colon] + storedInfo[storedInfo.index(after: storedColon)...]
    } else {
      result += userInfo
    }
    result += "@"
  }
  result += edited.hostPort
  guard let query = QueryParts(edited.tail) else { return result + String(edited.tail) }
  let storedValues = QueryParts(original.tail)?.values ?? [:]
  return result
    + query.rebuilt { key, value in
      secretQueryKeys.contains(key) && value == "***" ? (storedValues[key] ?? value) : value
    }
}

/// The query of a URL's tail (`/path?a=1&b=2#frag`), split so parameters can be rewritten one by one
/// and the tail rebuilt byte for byte.
private struct QueryParts {
  var head: Substring  // up to and including `?`
  var parameters: [Substring]
  var fragment: Substring

  init?(_ tail: Substring) {
    guard let questionMark = tail.firstIndex(of: "?") else { return nil }
    var query = tail[tail.index(after: questionMark)...]
    fragment = ""
    if let hash = query.firstIndex(of: "#") {
      fragment = query[hash...]
      query = query[..<hash]
    }
    head = tail[...questionMark]
    parameters = query.split(separator: "&", omittingEmptySubsequences: false)
  }

  /// Values by lower-cased key (the first of each key).
  var values: [String: Substring] {
    var values: [String: Substring] = [:]
    for parameter in parameters {
      guard let equals = parameter.firstIndex(of: "=") else { continue }
      let key = parameter[..<equals].lowercased()
      if values[key] == nil { values[key] = parameter[parameter.index(after: equals)...] }
    }
    return values
  }

  /// The tail with each `key=value` value replaced by `change(lower-cased key, value)`.
  func rebuilt(_ change: (String, Substring) -> Substring) -> String {
    let rewritten = parameters.map { parameter -> Substring in
      guard let equals = parameter.firstIndex(of: "=") else { return parameter }
      let value = parameter[parameter.index(after: equals)...]
      return parameter[...equals] + change(parameter[..<equals].lowercased(), value)
    }
    return String(head) + rewritten.joined(separator: "&") + fragment
  }
}
