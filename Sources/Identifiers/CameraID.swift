// The camera id rule, written once. An id is the key of a camera's block in the configuration, a
// folder name under `recordings/` and `archives/`, a segment of API paths and a key of the index, so
// every layer needs the same rule: the configuration decoder (VMSConfig), the file layout (Storage)
// and the route parameters (WebUI).
//
// Why a module of its own: VMSConfig and Storage do not depend on each other (VMSConfig would bring
// libyaml and OpenCV into Storage; Storage would bring SQLite into the configuration parser, which is
// meant to build and test alone), and both need the rule. A leaf module with no dependency is the
// lowest place both can import. The web UI does not copy it either: it sends what the user typed and
// shows the server's answer.

/// A valid camera id: 1 to 64 bytes among `a-z`, `0-9`, `_` and `-`.
///
/// Safe as a single path component (never empty, `.`, `..`, and no `/` nor NUL) and in a URL path
/// without escaping. The failable initialiser is the only place the rule is written; whoever holds a
/// `CameraID` holds a checked id.
public struct CameraID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
  public static let maxLength = 64

  /// The rule in words, for messages: "use \(CameraID.rule)".
  public static let rule = "1 to 64 characters among a-z, 0-9, '_' and '-'"

  public let rawValue: String

  /// Nil unless `rawValue` follows the rule.
  public init?(rawValue: String) {
    let bytes = rawValue.utf8
    guard (1...Self.maxLength).contains(bytes.count),
      bytes.allSatisfy({ byte in
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
          || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
          || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
      })
    else { return nil }
    self.rawValue = rawValue
  }

  public init?(_ text: String) { self.init(rawValue: text) }

  /// Whether `text` follows the rule.
  public static func isValid(_ text: String) -> Bool { CameraID(rawValue: text) != nil }

  public var description: String { rawValue }

  public static func < (lhs: CameraID, rhs: CameraID) -> Bool { lhs.rawValue < rhs.rawValue }
}
