// ConfigSize: the size syntax of the configuration file (`500MB`, `1.5GB`, `4GiB`, `1000000`).

public enum ConfigSize {
  private static let unitBytes: [String: Int64] = [
    "b": 1,
    "kb": 1_000, "mb": 1_000_000, "gb": 1_000_000_000, "tb": 1_000_000_000_000,
    "kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
  ]

  /// Bytes, or nil when `text` is not a size (or does not fit in 64 bits). A leading `-` gives a
  /// negative result rather than nil, so callers can say "must not be negative".
  ///
  /// Accepted: a whole number of bytes, or a number (fraction allowed) followed by `B`, `KB`, `MB`,
  /// `GB`, `TB` (powers of 1000) or `KiB`, `MiB`, `GiB`, `TiB` (powers of 1024), in any letter case,
  /// with or without a space before the unit.
  public static func bytes(from text: String) -> Int64? {
    var scanner = UnitScanner(text)
    let negative = scanner.take("-")
    guard let number = scanner.takeNumber() else { return nil }
    scanner.skipSpaces()
    let unit = scanner.takeLetters()
    guard scanner.isAtEnd else { return nil }
    let factor: Int64
    if unit.isEmpty {
      factor = 1
    } else if let known = unitBytes[unit] {
      factor = known
    } else {
      return nil
    }
    let magnitude: Int64
    if let whole = Int64(number.text) {
      let (product, overflow) = whole.multipliedReportingOverflow(by: factor)
      guard !overflow else { return nil }
      magnitude = product
    } else {
      // A fraction of a byte means nothing; of a unit it is common ("1.5GB").
      guard factor > 1 else { return nil }
      let product = (number.value * Double(factor)).rounded()
      guard product < 9.2e18 else { return nil }
      magnitude = Int64(product)
    }
    return negative ? -magnitude : magnitude
  }
}
