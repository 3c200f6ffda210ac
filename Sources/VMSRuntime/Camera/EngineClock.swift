// The engine's one clock. Monotonic time for waits, rates, back-offs and the detector's gate; wall
// time for what a user reads (when a packet arrived, when motion began). Built on Swift's `Clock`
// protocol: production runs on `.live`, tests give a clock they move by hand and run minutes of
// camera time (back-offs of 30 s, motion windows) in milliseconds.
import Foundation
import Timekeeping
import VMSMedia

public struct EngineClock: Sendable {
  private let readNanos: @Sendable () -> UInt64
  private let readWallMs: @Sendable () -> Int64
  private let sleeper: @Sendable (Duration) async throws -> Void

  /// Monotonic nanoseconds from an arbitrary origin; never goes back.
  public var nanos: UInt64 { readNanos() }
  /// The same, in seconds.
  public var seconds: Double { Double(readNanos()) / 1e9 }
  /// Wall-clock milliseconds since 1970-01-01 UTC.
  public var wallMs: Int64 { readWallMs() }

  /// Waits `duration`. Throws `CancellationError` at once when the waiting task is cancelled.
  public func sleep(for duration: Duration) async throws { try await sleeper(duration) }

  /// The machine's clocks: the monotonic one FFmpeg's interrupt deadlines use, and the system time.
  public static let live = EngineClock(
    nanos: { InterruptState.now() },
    wallMs: { WallTime.now().sinceEpochMs },
    sleep: { try await Task.sleep(for: $0) })

  /// Any Swift clock: monotonic time is the time elapsed on it, wall time that added to
  /// `wallMsAtStart`.
  public init<C: Clock>(_ clock: C, wallMsAtStart: Int64) where C.Duration == Duration {
    let start = clock.now
    let elapsed: @Sendable () -> Duration = { start.duration(to: clock.now) }
    self.init(
      nanos: { Self.nanoseconds(elapsed()) },
      wallMs: { wallMsAtStart + Int64(Self.nanoseconds(elapsed()) / 1_000_000) },
      sleep: { try await clock.sleep(for: $0) })
  }

  private init(
    nanos: @escaping @Sendable () -> UInt64, wallMs: @escaping @Sendable () -> Int64,
    sleep: @escaping @Sendable (Duration) async throws -> Void
  ) {
    readNanos = nanos
    readWallMs = wallMs
    sleeper = sleep
  }

  static func nanoseconds(_ duration: Duration) -> UInt64 {
    let (seconds, attoseconds) = duration.components
    guard seconds >= 0 else { return 0 }
    return UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
  }
}
