// One live viewer's own timeline for a track: the decode times its fragments carry. A browser's
// Media Source Extensions treat a jump in decode time as a discontinuity and drop every frame up to
// the next keyframe, so a viewer's timeline never jumps: each sample starts where the previous one
// ended, and lasts as long as the gap the camera left before it (clamped: a lost frame or a
// variable frame rate only lengthens one sample; an outage or a skip to a later keyframe is
// collapsed to at most `longestSample`). It starts at 0 for each viewer and each new stream.
import VMSMedia

struct LiveTimeline {
  /// The track's ticks per second (from the init segment).
  let timescale: UInt32
  /// The input's time base (the camera's timestamps).
  let inputTimeBase: Rational
  /// The first sample's duration, when no gap is known yet: one frame at the stream's rate.
  let firstDuration: UInt32
  static let shortestSeconds = 0.001
  static let longestSeconds = 1.0

  private var nextDecodeTicks: UInt64 = 0
  private var previousDTS: Int64?

  init(timescale: UInt32, inputTimeBase: Rational, frameRate: Rational) {
    self.timescale = timescale
    self.inputTimeBase = inputTimeBase
    let seconds = frameRate.num > 0 ? 1 / frameRate.asDouble : 0.04
    firstDuration = UInt32((seconds * Double(timescale)).rounded())
  }

  struct Placement: Hashable {
    var baseDecodeTicks: UInt64
    var durationTicks: UInt32
    var compositionOffsetTicks: Int32
  }

  /// Where the packet with these camera timestamps goes on this viewer's timeline.
  mutating func place(dts: Int64, pts: Int64) -> Placement {
    let duration: UInt32
    if let previousDTS {
      let gap = inputTimeBase.seconds(dts - previousDTS)
      let clamped = min(max(gap, Self.shortestSeconds), Self.longestSeconds)
      duration = UInt32((clamped * Double(timescale)).rounded())
    } else {
      duration = firstDuration
    }
    previousDTS = dts
    let offsetSeconds = inputTimeBase.seconds(max(pts - dts, 0))
    let placement = Placement(
      baseDecodeTicks: nextDecodeTicks, durationTicks: duration,
      compositionOffsetTicks: Int32(clamping: Int64((offsetSeconds * Double(timescale)).rounded())))
    nextDecodeTicks += UInt64(duration)
    return placement
  }
}
