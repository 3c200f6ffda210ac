// Which packets of the detect stream reach the decoder, decided once per GOP at its keyframe: every
// frame (`decode: all`, or someone watches the live view), or the keyframe alone (`decode:
// keyframes` while nobody watches). Deciding at keyframes only is what keeps the picture whole: a
// P-frame decoded after skipped P-frames would be damaged.
//
// Motion does not switch to every frame: measured (docs/performance.md, "Keyframe-only
// detection"), it multiplied the frames decoded during motion by ten and changed no clip's start,
// which the keyframe before the motion already dates; post_roll covers the later end.
//
// It also measures the stream's GOP (time between keyframes, in stream time) for the status and the
// pre-roll advice (`KeyframePreRoll`).
import Detectors

struct KeyframeSchedule {
  var mode: DecodeMode
  /// Whether the current GOP is decoded in full; set at each keyframe for the GOP it opens.
  private(set) var decodesAll: Bool
  /// The last measured keyframe interval, seconds (nil until two keyframes were seen).
  private(set) var gopSeconds: Double?
  private var lastKeyframeSeconds: Double?
  /// A longer interval between keyframes is a gap in the stream, not its GOP.
  static let longestGOPSeconds = 60.0

  init(mode: DecodeMode) {
    self.mode = mode
    decodesAll = mode == .all
  }

  /// At a keyframe (stream time `seconds`, nil when unknown): decides the GOP it opens.
  mutating func keyframe(atStreamSeconds seconds: Double?, watched: Bool) {
    if let seconds {
      if let last = lastKeyframeSeconds, seconds > last, seconds - last < Self.longestGOPSeconds {
        gopSeconds = seconds - last
      }
      lastKeyframeSeconds = seconds
    }
    decodesAll = mode == .all || watched
  }

  /// Whether a packet goes to the decoder: keyframes always, other frames when the GOP is decoded
  /// in full.
  func decodes(isKeyframe: Bool) -> Bool { isKeyframe || decodesAll }

  /// A new connection: the GOP is measured again.
  mutating func reset() {
    lastKeyframeSeconds = nil
    gopSeconds = nil
  }
}
