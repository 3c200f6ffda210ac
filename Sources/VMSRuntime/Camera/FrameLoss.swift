// Notices video frames that never arrived (RTP packets lost on a UDP link or a failing network,
// a camera that skips frames), from the decode times of the frames that did: a step between two
// frames well above the stream's usual step means frames in between are missing. The usual step is
// the median of the recent ones, so a camera that lowers its frame rate at night is not taken for
// a lossy one. Counts for the metric, and a summary each minute for the log. Pure: the caller gives
// the times.
struct FrameLoss {
  struct Minute: Equatable {
    var missing: Int
    var expected: Int
    var share: Double { expected > 0 ? Double(missing) / Double(expected) : 0 }
  }

  /// A step this many times the usual one counts the frames in between as missing.
  static let gapFactor = 1.5
  /// A step this many times the usual one is a jump of the camera's clock (a resync, a reset), not
  /// loss: a lasting silence is a stall, noticed and reconnected long before.
  static let jumpFactor = 64.0
  /// Steps remembered for the usual step; none is judged before `minimumSteps` are known.
  static let rememberedSteps = 31
  static let minimumSteps = 8
  static let minuteNanos: UInt64 = 60_000_000_000

  private var lastDts: Int64?
  private var steps: [Int64] = []
  private var nextStep = 0
  private var usualStep: Int64 = 0
  private var sinceMedian = 0
  private var minute = Minute(missing: 0, expected: 0)
  private var minuteStartedNanos: UInt64?

  /// A video frame with decode time `dts` (stream time base) read at `nowNanos` (monotonic).
  /// Returns the frames found missing before it, and the last minute's summary once a minute.
  mutating func frame(dts: Int64, atNanos nowNanos: UInt64) -> (missing: Int, minute: Minute?) {
    defer { lastDts = dts }
    let started = minuteStartedNanos ?? nowNanos
    minuteStartedNanos = started
    var missing = 0
    if let last = lastDts, dts > last {
      let step = dts - last
      let ratio = usualStep > 0 ? Double(step) / Double(usualStep) : 1
      guard ratio <= Self.jumpFactor else { return (0, nil) }
      if ratio > Self.gapFactor { missing = max(0, Int(ratio.rounded()) - 1) }
      remember(step)  // gaps too: a lasting change of rate moves the median within a few frames
      minute.missing += missing
      minute.expected += missing + 1
    }
    guard nowNanos &- started >= Self.minuteNanos else { return (missing, nil) }
    let summary = minute
    minute = Minute(missing: 0, expected: 0)
    minuteStartedNanos = nowNanos
    return (missing, summary)
  }

  /// A new connection: its timestamps start over.
  mutating func reset() {
    self = FrameLoss()
  }

  private mutating func remember(_ step: Int64) {
    if steps.count < Self.rememberedSteps {
      steps.append(step)
    } else {
      steps[nextStep] = step
      nextStep = (nextStep + 1) % Self.rememberedSteps
    }
    sinceMedian += 1
    // The median, again every few frames (31 values sorted: cheap, and never per packet).
    if steps.count >= Self.minimumSteps && (usualStep == 0 || sinceMedian >= 8) {
      usualStep = steps.sorted()[steps.count / 2]
      sinceMedian = 0
    }
  }
}
