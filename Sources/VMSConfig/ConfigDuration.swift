// ConfigDuration: the duration syntax of the configuration file (`500ms`, `5s`, `1h30m`, `90`).

public enum ConfigDuration {
  private static let unitSeconds: [String: Double] = [
    "ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86_400,
  ]

  /// Seconds, or nil when `text` is not a duration. A leading `-` gives a negative result rather
  /// than nil, so callers can say "must not be negative" instead of "not a duration".
  ///
  /// Accepted: a plain number of seconds (`90`, `2.5`), or one or more number+unit parts with units
  /// `ms`, `s`, `m`, `h`, `d`, optionally separated by spaces (`1h30m`, `1m 30s`, `1.5s`); each unit
  /// at most once.
  public static func seconds(from text: String) -> Double? {
    var scanner = UnitScanner(text)
    let sign = scanner.take("-") ? -1.0 : 1.0
    if scanner.isAtEnd { return nil }
    var total = 0.0
    var usedUnits: Set<String> = []
    var parts = 0
    while !scanner.isAtEnd {
      guard let number = scanner.takeNumber() else { return nil }
      let unit = scanner.takeLetters()
      parts += 1
      scanner.skipSpaces()
      if unit.isEmpty {
        // A bare number is only a duration on its own: "1h30" is more likely a typo than 1h30s.
        guard parts == 1, scanner.isAtEnd else { return nil }
        return sign * number.value
      }
      guard let factor = unitSeconds[unit], usedUnits.insert(unit).inserted else { return nil }
      total += number.value * factor
    }
    return sign * total
  }

  /// Text for a number of seconds in the file's syntax (`1h30m`, `500ms`, `2.5s`), for rewriting.
  public static func text(seconds: Double) -> String {
    if seconds < 0 { return "-" + text(seconds: -seconds) }
    if seconds == 0 { return "0s" }
    if seconds < 1 && (seconds * 1000).rounded() == seconds * 1000 {
      return "\(Int(seconds * 1000))ms"
    }
    guard seconds.rounded() == seconds, seconds < 1e15 else { return "\(seconds)s" }
    var rest = Int(seconds)
    var text = ""
    for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] where rest >= size {
      text += "\(rest / size)\(unit)"
      rest %= size
    }
    return text
  }
}
