// The times an export request carries and its answers give: ISO 8601 with a zone, written once.
// Parsing accepts `Z` or an offset (`+02:00`) and fractional seconds; a time without a zone is
// refused (whose clock would it be?). Answers are UTC with `Z`, milliseconds only when not whole.
import Foundation

enum ExportTime {
  /// What to send, for error messages and docs/api.md.
  static let format =
    "ISO 8601 with Z or an offset, e.g. \"2026-12-07T14:02:00Z\" or \"2026-12-07T15:02:00.500+01:00\""

  /// Epoch milliseconds of `text`, or nil when it is not an ISO 8601 date and time with a zone.
  static func parse(_ text: String) -> Int64? {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    guard trimmed.count >= 20, trimmed.count <= 40 else { return nil }
    for fractional in [false, true] {
      for separator in [Date.ISO8601FormatStyle.TimeZoneSeparator.colon, .omitted] {
        let style = Date.ISO8601FormatStyle(
          timeZoneSeparator: separator, includingFractionalSeconds: fractional)
        if let date = try? style.parse(trimmed) {
          return Int64((date.timeIntervalSince1970 * 1000).rounded())
        }
      }
    }
    return nil
  }

  /// `2026-12-07T14:02:00Z`, or `2026-12-07T14:02:00.500Z` when not a whole second.
  /// The milliseconds are written from the integer: a `Date` (a Double) would turn .006 into .005.
  static func text(ms: Int64) -> String {
    let fraction = ((ms % 1000) + 1000) % 1000
    let seconds = (ms - fraction) / 1000
    let whole = Date.ISO8601FormatStyle().format(Date(timeIntervalSince1970: Double(seconds)))
    guard fraction != 0, whole.hasSuffix("Z") else { return whole }
    return String(whole.dropLast()) + "." + String(String(fraction + 1000).dropFirst()) + "Z"
  }
}
