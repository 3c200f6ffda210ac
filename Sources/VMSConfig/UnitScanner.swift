// UnitScanner: a cursor over `number unit` text, shared by the duration and size syntaxes.

struct UnitScanner {
  private let scalars: [Unicode.Scalar]
  private var position = 0

  /// Lowercases and trims spaces, so units match in any letter case.
  init(_ text: String) {
    var scalars = Array(text.lowercased().unicodeScalars)
    while scalars.last == " " { scalars.removeLast() }
    self.scalars = scalars
    skipSpaces()
  }

  var isAtEnd: Bool { position == scalars.count }

  mutating func skipSpaces() {
    while position < scalars.count, scalars[position] == " " { position += 1 }
  }

  /// Consumes `scalar` when it is next.
  mutating func take(_ scalar: Unicode.Scalar) -> Bool {
    guard position < scalars.count, scalars[position] == scalar else { return false }
    position += 1
    return true
  }

  /// Digits (grouped with `_` if wanted) with an optional fraction, at least one digit; the text is kept so whole numbers can be
  /// read exactly rather than through a Double.
  mutating func takeNumber() -> (value: Double, text: String)? {
    var text = ""
    var seenPoint = false
    var seenDigit = false
    while position < scalars.count {
      let scalar = scalars[position]
      if scalar.isASCIIDigit {
        seenDigit = true
      } else if scalar == "_" && text.last?.isNumber == true {
        // YAML's digit grouping (1_000_000): skipped, not kept in the text.
        position += 1
        continue
      } else if scalar == "." && !seenPoint {
        seenPoint = true
      } else {
        break
      }
      text.unicodeScalars.append(scalar)
      position += 1
    }
    guard seenDigit, let value = Double(text), value.isFinite else { return nil }
    return (value, text)
  }

  /// A run of letters a-z (possibly empty).
  mutating func takeLetters() -> String {
    var text = ""
    while position < scalars.count, ("a"..."z").contains(scalars[position]) {
      text.unicodeScalars.append(scalars[position])
      position += 1
    }
    return text
  }
}
