// The one rule for pre-roll with keyframe-only detection (`detector.decode: keyframes`): motion is
// noticed at most one GOP late, so the pre-roll must hold that GOP plus a margin for the clip to
// start before the motion. check-config applies it with the shortest usual GOP; the camera's status
// applies it with the GOP measured on the running stream.

public enum KeyframePreRoll {
  /// Beyond the GOP: the keyframe before the onset, decoding and confirmation delays.
  public static let marginSeconds = 1.0
  /// What check-config assumes before any stream runs: sub streams rarely have a shorter GOP.
  public static let shortestUsualGOPSeconds = 1.0

  /// Whether the rule concerns `camera`: keyframe-only detection starting clips on motion (a
  /// continuous recording keeps every frame, a camera that records nothing has no clip to start).
  public static func applies(to camera: CameraSettings) -> Bool {
    camera.detector.decode == .keyframes && camera.recording.enabled
      && camera.recording.mode == .events
  }

  /// The shortest pre-roll that covers a GOP of `gopSeconds`.
  public static func minimumSeconds(gopSeconds: Double) -> Double {
    gopSeconds + marginSeconds
  }

  public static func isShort(preRollSeconds: Double, gopSeconds: Double) -> Bool {
    preRollSeconds < minimumSeconds(gopSeconds: gopSeconds)
  }
}
