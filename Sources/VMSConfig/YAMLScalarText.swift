// YAMLScalarText: how a value is spelled in the configuration file when the editor writes it.
// Text is double-quoted (always safe) unless it replaces a value the user wrote plain or in single
// quotes and is safe in that style too: an edit keeps the user's way of writing.

enum YAMLScalarText {
  /// `value` as written in the file; `written` is the node it replaces, if any.
  static func text(_ value: YAMLValue, like written: YAMLNode? = nil) -> String {
    switch value {
    case .string(let text):
      if case .scalar(_, let style)? = written?.content {
        if style == .plain, isPlainSafe(text) { return text }
        if style == .singleQuoted,
          text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F })
        {
          return "'"
            + text.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''")
            + "'"
        }
      }
      return ConfigEditor.quoted(text)
    case .word(let text): return isPlainSafe(text) ? text : ConfigEditor.quoted(text)
    case .integer(let n): return String(n)
    case .bool(let b): return b ? "true" : "false"
    case .number(let x): return ConfigEditor.numberText(x)
    case .mapping(let fields):
      guard !fields.isEmpty else { return "{}" }
      return "{ " + fields.map { "\(key($0.0)): \(text($0.1))" }.joined(separator: ", ") + " }"
    }
  }

  /// A mapping key: plain when safe (every valid camera id is), quoted otherwise.
  static func key(_ text: String) -> String {
    isPlainSafe(text) ? text : ConfigEditor.quoted(text)
  }

  /// True when `text` reads back as the same text written without quotes, in a block or inside
  /// `{ ... }`: letters, digits, spaces inside, `.`, `_`, `-`, `/`, starting with a letter or digit,
  /// and not a word YAML tools read as null or a boolean.
  static func isPlainSafe(_ text: String) -> Bool {
    let scalars = text.unicodeScalars
    guard let first = scalars.first, let last = scalars.last, last != " " else { return false }
    guard first.properties.isAlphabetic || ("0"..."9").contains(first) else { return false }
    let allowed = scalars.allSatisfy {
      $0.properties.isAlphabetic || ("0"..."9").contains($0) || " ._-/".unicodeScalars.contains($0)
    }
    return allowed && !reservedWords.contains(text.lowercased())
  }

  private static let reservedWords: Set<String> = [
    "null", "true", "false", "yes", "no", "on", "off", "y", "n",
  ]
}
