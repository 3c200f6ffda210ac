// The creation time a clip file carries (MP4 `creation_time`, to the second): written by the
// recorder, read back when an index is rebuilt from the files. One format in one place.
import Foundation
import Timekeeping

public enum ClipCreationTime {
  /// FFmpeg's form: ISO 8601 in UTC.
  public static func text(ms: Int64) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    return formatter.string(from: WallTime(sinceEpochMs: ms).flooredToSecond.date)
  }

  /// Epoch milliseconds of an ISO 8601 time, with or without fractional seconds (FFmpeg reads
  /// `2026-12-07T14:00:00.000000Z` back).
  public static func ms(text: String) -> Int64? {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    let date = formatter.date(from: text) ?? ISO8601DateFormatter().date(from: text)
    return date.map { WallTime($0).sinceEpochMs }
  }
}
