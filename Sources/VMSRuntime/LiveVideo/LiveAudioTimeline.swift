// One live viewer's audio decode times. The video timeline (`LiveTimeline`) never jumps and may
// collapse an outage or a skip, so audio cannot keep the camera's times: each audio frame is put where
// its camera time falls on the viewer's video timeline (anchored at the latest video sample), and
// follows the previous frame without a gap or an overlap while it stays within `slackSeconds` of
// there. Further ahead (after a skip) it jumps forward; further behind (the video jumped ahead) the
// frame is left out. Nothing is placed before the viewer's first video sample.
import VMSMedia

struct LiveAudioTimeline {
  /// The audio track's ticks per second (from the init segment).
  let timescale: UInt32
  /// The input's time base for the audio stream.
  let inputTimeBase: Rational
  /// One AAC frame's duration in ticks (1024 samples).
  let frameTicks: UInt32
  static let slackSeconds = 0.1

  /// Camera seconds and track seconds of the latest video sample.
  private var anchor: (camera: Double, track: Double)?
  private var nextTicks: UInt64?

  init(timescale: UInt32, inputTimeBase: Rational, sampleRate: Int) {
    self.timescale = timescale
    self.inputTimeBase = inputTimeBase
    let rate = sampleRate > 0 ? Double(sampleRate) : Double(timescale)
    frameTicks = UInt32((1024 / rate * Double(timescale)).rounded())
  }

  /// The video timeline put the sample with camera time `cameraSeconds` at `trackSeconds`.
  mutating func anchor(cameraSeconds: Double, trackSeconds: Double) {
    anchor = (cameraSeconds, trackSeconds)
  }

  /// The decode time of the audio frame with camera time `pts` (audio time base); nil: left out.
  mutating func place(pts: Int64) -> UInt64? {
    guard let anchor else { return nil }
    let seconds = anchor.track + (inputTimeBase.seconds(pts) - anchor.camera)
    let aligned = UInt64(max(0, (seconds * Double(timescale)).rounded()))
    let slack = UInt64(Self.slackSeconds * Double(timescale))
    let ticks: UInt64
    if let next = nextTicks {
      if aligned + slack < next { return nil }
      ticks = aligned > next + slack ? aligned : next
    } else {
      ticks = aligned
    }
    nextTicks = ticks + UInt64(frameTicks)
    return ticks
  }
}
