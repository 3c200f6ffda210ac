// Time as vms stores and sends it: whole milliseconds. A moment is milliseconds since 1970-01-01 UTC
// (the index's `start_ms`, the API's `*_ms`, the engine's wall times); a length is milliseconds too
// (`duration_ms`). Every conversion between those and `Date` or seconds is written here, once, with
// its rounding: to the nearest millisecond.
import Foundation

/// A wall-clock moment, in milliseconds since the Unix epoch (UTC).
public struct WallTime: Hashable, Comparable, Sendable {
  public var sinceEpochMs: Int64

  public init(sinceEpochMs: Int64) { self.sinceEpochMs = sinceEpochMs }

  /// `date`, to the nearest millisecond.
  public init(_ date: Date) {
    sinceEpochMs = Int64((date.timeIntervalSince1970 * 1000).rounded())
  }

  /// The system clock now. (The engine reads it through `EngineClock`, which tests can move.)
  public static func now() -> WallTime { WallTime(Date()) }

  public var date: Date { Date(timeIntervalSince1970: Double(sinceEpochMs) / 1000) }

  /// The whole second at or before this moment (what a clock reading to the second shows).
  public var flooredToSecond: WallTime {
    let ms = sinceEpochMs
    return WallTime(sinceEpochMs: (ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000)) * 1000)
  }

  /// The moment `ms` milliseconds later (earlier when negative).
  public func adding(ms: Int64) -> WallTime { WallTime(sinceEpochMs: sinceEpochMs + ms) }

  /// Milliseconds from `earlier` to this moment.
  public func ms(since earlier: WallTime) -> Int64 { sinceEpochMs - earlier.sinceEpochMs }

  public static func < (a: WallTime, b: WallTime) -> Bool { a.sinceEpochMs < b.sinceEpochMs }
}

/// Lengths of time in whole milliseconds.
public enum Milliseconds {
  /// `seconds` (a media duration, a probe's figure) to the nearest millisecond.
  public static func of(seconds: Double) -> Int64 { Int64((seconds * 1000).rounded()) }

  /// `ms` in seconds.
  public static func seconds(_ ms: Int64) -> Double { Double(ms) / 1000 }
}
