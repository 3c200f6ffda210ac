// MotionGate: the policy between a detector's per-frame numbers and "motion on/off" for one camera.
// It holds what every detector needs and none should reimplement: the analysis rate cap, the warm-up
// after each (re)connection (a fresh MOG2 calls its whole first frame foreground: without the warm-up
// every reconnect would be a false event), two consecutive frames to start, a quiet time to stop.
// Times are seconds on a monotonic clock the caller passes in, so tests need no real clock.
//
// Frames may come slower than `fps` (`decode: keyframes` gives one a GOP): the gate measures the
// interval between analysed frames and passes it to the detector, and the rules given in frames
// use it, so one setting works at both rates: the quiet time of two frames, and the two frames to
// start, which mean two frames' time at `fps` (one keyframe a second covers it).

/// A transition of the motion state.
public enum MotionChange: Sendable, Equatable {
  case started
  case stopped
}

/// Turns per-frame detector results into motion on/off for one camera. Used from one actor only.
public struct MotionGate {
  /// Consecutive analysed frames at or above `minAreaPercent` needed to start motion at `fps`, so a
  /// single noisy or glitched frame cannot start a clip. When frames come slower, fewer frames span
  /// the same time (`framesNeededToStart`).
  public static let framesToStart = 2

  /// `framesToStart` frames at `fps`, in frames at the actual rate: at least 1.
  public var framesNeededToStart: Int {
    guard frameIntervalSeconds > 0, settings.fps > 0 else { return Self.framesToStart }
    let seconds = Double(Self.framesToStart) / settings.fps
    return max(1, Int((seconds / frameIntervalSeconds - 0.001).rounded(.up)))
  }
  /// Shortest quiet time before motion stops, whatever the rate.
  public static let minimumQuietSeconds = 1.0

  public let settings: DetectorSettings
  /// Exposed for diagnostics (for example `MOG2Detector.lastError`); feed it frames only through the gate.
  public let detector: any MotionDetector
  public private(set) var isMotion = false
  /// The latest result, for the live overlay; `.still` during warm-up, when results are not trusted.
  public private(set) var lastResult = MotionResult.still

  /// Time motion stops after the last frame at or above the threshold: two analysed frames, at
  /// least 1 s.
  public var quietSeconds: Double {
    max(Self.minimumQuietSeconds, 2 * frameIntervalSeconds)
  }

  /// The time between the last two analysed frames (`1 / fps` until two were seen; 0 without a
  /// rate cap): the actual rate, which `decode: keyframes` makes lower than `fps`.
  public private(set) var frameIntervalSeconds: Double = 0
  /// Longest interval believed: a longer gap is an outage, not the stream's rate.
  static let longestFrameIntervalSeconds = 10.0
  private var lastAnalysedAt: Double?

  /// nil until the first `restart(at:)` or `analyse(_:at:)`.
  private var warmupEndsAt: Double?
  /// When the next frame is due under the rate cap; nil means "take the next frame".
  private var nextFrameDueAt: Double?
  private var lastActiveAt: Double?
  private var activeFrames = 0
  private var frameWidth = 0
  private var frameHeight = 0

  /// Frame times jitter and accumulate rounding: a frame this early still counts as on time.
  private static let scheduleToleranceSeconds = 0.001

  public init(settings: DetectorSettings, detector: any MotionDetector) {
    self.settings = settings
    self.detector = detector
  }

  /// To call after every (re)connection, before its first frame: resets the detector, starts the
  /// warm-up and turns motion off. No `.stopped` is reported for motion cut short here: the caller,
  /// which knows the connection dropped, closes whatever it had open (check `isMotion` before).
  public mutating func restart(at seconds: Double) {
    detector.reset()
    warmupEndsAt = seconds + max(0, settings.warmupSeconds)
    nextFrameDueAt = nil
    lastActiveAt = nil
    activeFrames = 0
    frameWidth = 0
    frameHeight = 0
    isMotion = false
    lastResult = .still
    lastAnalysedAt = nil
    frameIntervalSeconds = configuredIntervalSeconds
  }

  private var configuredIntervalSeconds: Double { settings.fps > 0 ? 1 / settings.fps : 0 }

  /// Whether a frame at `seconds` should be analysed: at most `settings.fps` frames a second
  /// (every frame when `fps` <= 0). Warm-up frames are wanted: the model learns the background then.
  public func wantsFrame(at seconds: Double) -> Bool {
    guard settings.fps > 0, let nextFrameDueAt else { return true }
    // A clock going backwards cannot happen on a monotonic clock; if it does, do not stall.
    return seconds >= nextFrameDueAt - Self.scheduleToleranceSeconds
      || seconds < nextFrameDueAt - 2 / settings.fps
  }

  /// Analyses one frame (normally one for which `wantsFrame(at:)` was true) and reports a change of
  /// the motion state, if any. Motion can only stop on an analysed frame: when frames stop coming,
  /// the caller's stall watchdog and `restart(at:)` end it.
  public mutating func analyse(_ frame: GrayFrame, at seconds: Double) -> MotionChange? {
    var change: MotionChange?
    if warmupEndsAt == nil {
      restart(at: seconds)
    } else if frameWidth != 0, frame.width != frameWidth || frame.height != frameHeight {
      // The stream was renegotiated: the model's background no longer fits; learn it again.
      if isMotion { change = .stopped }
      restart(at: seconds)
    }
    frameWidth = frame.width
    frameHeight = frame.height
    scheduleNextFrame(after: seconds)
    if let lastAnalysedAt, seconds > lastAnalysedAt,
      seconds - lastAnalysedAt <= Self.longestFrameIntervalSeconds
    {
      frameIntervalSeconds = max(configuredIntervalSeconds, seconds - lastAnalysedAt)
    }
    lastAnalysedAt = seconds

    let result = detector.analyse(frame, intervalSeconds: frameIntervalSeconds)
    if let warmupEndsAt, seconds < warmupEndsAt {
      return change
    }
    lastResult = result

    if result.changedPercent > 0, result.changedPercent >= settings.minAreaPercent {
      activeFrames += 1
      lastActiveAt = seconds
      if !isMotion, activeFrames >= framesNeededToStart {
        isMotion = true
        return .started
      }
    } else {
      activeFrames = 0
      if isMotion, let lastActiveAt, seconds - lastActiveAt >= quietSeconds {
        isMotion = false
        return .stopped
      }
    }
    return change
  }

  private mutating func scheduleNextFrame(after seconds: Double) {
    guard settings.fps > 0 else { return }
    let intervalSeconds = 1 / settings.fps
    // Keeping to a fixed schedule (rather than "now + interval") holds the average rate at `fps`
    // when the source's frame times do not divide evenly; after a gap, start a new schedule.
    if let due = nextFrameDueAt, seconds < due + intervalSeconds, seconds >= due - intervalSeconds {
      nextFrameDueAt = due + intervalSeconds
    } else {
      nextFrameDueAt = seconds + intervalSeconds
    }
  }
}
