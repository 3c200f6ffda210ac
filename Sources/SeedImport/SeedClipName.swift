// When a clip of the original program started, read from its path. Its naming was never
// documented; these are accepted, in the folder or file name, in local time:
//   recordings/Entrée/2024-03-01/14-05-09.mp4        recordings/Entrée/Entrée_20240301_140509.mp4
//   recordings/Entrée_2024-03-01_14-05-09.mp4        recordings/cam1/2024-03-01 14:05:09.mp4
// i.e. a date YYYY-MM-DD or YYYYMMDD, then a time HH-MM-SS, HH_MM_SS, HH:MM:SS, HHhMMmSS or HHMMSS.
// A path without one falls back to the file's modification time minus its duration (the original
// wrote the file until the clip ended).
import Foundation
import Timekeeping

public enum SeedClipName {
  /// Epoch milliseconds of the start written in `relativePath`, or nil.
  public static func startMs(of relativePath: String, timeZone: TimeZone) -> Int64? {
    let digitsAndSeparators = Array(relativePath.unicodeScalars)
    // Scan every position for a date followed (after at most a few separators) by a time.
    var index = 0
    while index < digitsAndSeparators.count {
      if let (date, afterDate) = date(in: digitsAndSeparators, at: index),
        let time = time(in: digitsAndSeparators, after: afterDate)
      {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = DateComponents(
          year: date.0, month: date.1, day: date.2, hour: time.0, minute: time.1, second: time.2)
        if let instant = calendar.date(from: parts),
          calendar.component(.day, from: instant) == date.2
        {
          return WallTime(instant).sinceEpochMs
        }
      }
      index += 1
    }
    return nil
  }

  private static func number(_ s: [Unicode.Scalar], _ at: Int, _ width: Int) -> Int? {
    guard at >= 0, at + width <= s.count else { return nil }
    var value = 0
    for scalar in s[at..<(at + width)] {
      guard ("0"..."9").contains(scalar) else { return nil }
      value = value * 10 + Int(scalar.value - 48)
    }
    return value
  }

  private static func isDigit(_ s: [Unicode.Scalar], _ at: Int) -> Bool {
    at >= 0 && at < s.count && ("0"..."9").contains(s[at])
  }

  /// YYYY-MM-DD, YYYY_MM_DD or YYYYMMDD starting at `at` (not inside a longer number).
  private static func date(in s: [Unicode.Scalar], at: Int) -> ((Int, Int, Int), Int)? {
    guard !isDigit(s, at - 1), let year = number(s, at, 4), (1970...2100).contains(year) else {
      return nil
    }
    let separated = at + 4 < s.count && (s[at + 4] == "-" || s[at + 4] == "_")
    let step = separated ? 1 : 0
    guard let month = number(s, at + 4 + step, 2), (1...12).contains(month) else { return nil }
    if separated && (at + 7 >= s.count || s[at + 7] != s[at + 4]) { return nil }
    guard let day = number(s, at + 6 + 2 * step, 2), (1...31).contains(day) else { return nil }
    let end = at + 8 + 2 * step
    guard !isDigit(s, end) else { return nil }
    return ((year, month, day), end)
  }

  /// A time after 1 to 3 separators (`_`, `-`, ` `, `T`, `/`) following the date.
  private static func time(in s: [Unicode.Scalar], after: Int) -> (Int, Int, Int)? {
    var at = after
    var skipped = 0
    while at < s.count, "_- T/".unicodeScalars.contains(s[at]), skipped < 3 {
      at += 1
      skipped += 1
    }
    guard skipped > 0, let hour = number(s, at, 2), hour < 24 else { return nil }
    let separated = at + 2 < s.count && !isDigit(s, at + 2)
    let step = separated ? 1 : 0
    guard let minute = number(s, at + 2 + step, 2), minute < 60,
      let second = number(s, at + 4 + 2 * step, 2), second < 60,
      !isDigit(s, at + 6 + 2 * step)
    else { return nil }
    return (hour, minute, second)
  }
}
