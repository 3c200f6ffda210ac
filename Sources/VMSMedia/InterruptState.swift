// What lets another thread (shutdown) or a deadline (stall watchdog) abort a blocking FFmpeg call.
//
// FFmpeg polls the interrupt callback from inside its blocking network calls (open, read). Checking
// a deadline there catches a camera that accepted the connection and then went silent, whatever
// FFmpeg's own socket timeouts do.
import CFFmpeg
import Foundation
import Synchronization

public final class InterruptState: Sendable {
  public enum Reason: Int {
    case none = 0
    case stop = 1
    case deadline = 2
  }

  private let stopRequested = Atomic<Bool>(false)
  /// Monotonic nanoseconds after which blocking calls are aborted; 0 = none.
  private let deadlineNanos = Atomic<UInt64>(0)
  private let firedReason = Atomic<Int>(0)

  public init() {}

  public var isStopRequested: Bool { stopRequested.load(ordering: .relaxed) }

  public func requestStop() { stopRequested.store(true, ordering: .relaxed) }

  /// Arms the watchdog: blocking calls fail if nothing completes within `seconds`.
  public func arm(seconds: Double) {
    deadlineNanos.store(Self.now() + UInt64(seconds * 1e9), ordering: .relaxed)
    firedReason.store(0, ordering: .relaxed)
  }

  /// Why the last blocking call was interrupted.
  public var reason: Reason { Reason(rawValue: firedReason.load(ordering: .relaxed)) ?? .none }

  /// Called by FFmpeg; nonzero aborts the current call.
  public func shouldInterrupt() -> Bool {
    if stopRequested.load(ordering: .relaxed) {
      firedReason.store(Reason.stop.rawValue, ordering: .relaxed)
      return true
    }
    let deadline = deadlineNanos.load(ordering: .relaxed)
    if deadline != 0 && Self.now() > deadline {
      firedReason.store(Reason.deadline.rawValue, ordering: .relaxed)
      return true
    }
    return false
  }

  public static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

  /// The C callback FFmpeg calls; `opaque` is an unretained `InterruptState`.
  public static let callback: @convention(c) (UnsafeMutableRawPointer?) -> Int32 = { opaque in
    guard let opaque else { return 0 }
    return Unmanaged<InterruptState>.fromOpaque(opaque).takeUnretainedValue().shouldInterrupt()
      ? 1 : 0
  }
}
