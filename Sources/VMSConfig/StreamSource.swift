// StreamSource: checks a `record_url` / `detect_url` value, a network URL or a local file path.
import Foundation

enum StreamSource {
  static let schemes = Set(StreamEndpoint.defaultPorts.keys)

  enum Outcome: Equatable {
    /// The URL as written, or the file path made absolute.
    case valid(String)
    case invalid(message: String, hint: String)
  }

  static func check(_ text: String, configDirectory: String) -> Outcome {
    if text.allSatisfy({ $0 == " " || $0 == "\t" }) {
      return .invalid(
        message: "is empty",
        hint: "write a URL such as rtsp://user:pass@192.0.2.10:554/stream1 or a file path")
    }
    if let parts = URLParts(text) {
      let scheme = parts.scheme.lowercased()
      if scheme == "file" {
        guard parts.hostPort.isEmpty, parts.tail.hasPrefix("/") else {
          return .invalid(
            message: "is a file URL with a host",
            hint: "write file:///absolute/path or just the path")
        }
        return existingFile(
          FilePath.normalize(String(parts.tail)), configDirectory: configDirectory)
      }
      return checkNetworkURL(text, parts: parts, allowed: schemes)
    }
    // "rtsp:host/..." or "rtsp:/host": a URL with a slash missing, not a file named "rtsp:...".
    if let colon = text.firstIndex(of: ":"), schemes.contains(text[..<colon].lowercased()) {
      return .invalid(
        message: "is not a valid URL",
        hint: "write \(text[..<colon].lowercased())://host/... with two slashes")
    }
    // "htp:/cam" or "rtps:/host/x": a URL with a mistyped scheme, not a file named "htp:".
    if let colon = text.firstIndex(of: ":"), text[text.index(after: colon)...].hasPrefix("/"),
      text[..<colon].count >= 2, URLParts.isScheme(text[..<colon])
    {
      return .invalid(
        message: "is not a URL vms can read (scheme \"\(text[..<colon])\") nor a file path",
        hint: "write one of \(acceptedForms)")
    }
    if text.contains("\n") {
      return .invalid(message: "contains a line break", hint: "write the path on one line")
    }
    return existingFile(
      FilePath.resolve(text, against: configDirectory), configDirectory: configDirectory)
  }

  /// A file source must name a video file that is there: a typo in a path is found by
  /// `check-config` and on reload, not by a camera that never connects.
  static func existingFile(_ path: String, configDirectory: String) -> Outcome {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      return .invalid(
        message: "names a file that does not exist: \(path)",
        hint:
          "check the path (a relative path is read from \(configDirectory), the configuration file's folder), or write a camera URL such as rtsp://user:pass@192.0.2.10:554/stream1"
      )
    }
    if isDirectory.boolValue {
      return .invalid(
        message: "names a folder, not a video file: \(path)", hint: "write the path of a video file"
      )
    }
    return .valid(path)
  }

  static let acceptedForms =
    schemes.sorted().map { "\($0)://host/path" }.joined(separator: ", ")
    + ", file:///absolute/path.mp4 or a file path"

  /// Shared by stream sources and the update feed, which allow different schemes.
  static func checkNetworkURL(_ text: String, parts: URLParts, allowed: Set<String>) -> Outcome {
    let scheme = parts.scheme.lowercased()
    let schemeList = allowed.sorted().map { "\($0)://" }.joined(separator: ", ")
    guard allowed.contains(scheme) else {
      return .invalid(
        message: "has an unsupported scheme \"\(parts.scheme)\"", hint: "use \(schemeList)")
    }
    if text.contains(where: { $0 == " " || $0 == "\t" || $0 == "\n" }) {
      return .invalid(
        message: "contains a space",
        hint: "percent-encode spaces as %20 (in a user name or password too)")
    }
    if parts.userInfo == nil, let lenient = URLParts(text, lenient: true), lenient.userInfo != nil {
      // Either a password with an unencoded '/', '?' or '#', or an '@' in the path or query: the
      // message must not echo the pieces, which may be half a password.
      return .invalid(
        message: "has an '@' after a '/', '?' or '#'",
        hint:
          "percent-encode '/', '?' and '#' in a user name or password (%2F, %3F, %23), and an '@' in the path or query (%40)"
      )
    }
    let (host, port) = parts.hostAndPort
    if host.isEmpty {
      return .invalid(message: "has no host", hint: "write \(scheme)://host-or-address/...")
    }
    if let port {
      guard let number = Int(port), (1...65535).contains(number) else {
        return .invalid(
          message: "has a bad port \"\(port)\"", hint: "the port must be a number from 1 to 65535")
      }
    }
    return .valid(text)
  }
}
