// RecordingSettings: a camera's `recording:` block, how motion becomes clips.

/// What a camera records: clips around motion, or everything.
public enum RecordingMode: String, Sendable, Equatable, CaseIterable {
  /// One clip per motion event, with pre- and post-roll (the default).
  case events
  /// Every frame, in segments of `segment` (cut at the first keyframe past it); motion is still
  /// detected and shown.
  case continuous
}

public struct RecordingSettings: Sendable, Equatable {
  public var enabled: Bool
  public var mode: RecordingMode
  /// In continuous mode, the length of one file: a segment closes at the first keyframe past it
  /// and the next opens on that keyframe.
  public var segmentSeconds: Double
  /// Video kept from before the motion started.
  public var preRollSeconds: Double
  /// Recording goes on this long after the motion stops.
  public var postRollSeconds: Double
  /// A clip is extended to at least this long.
  public var minDurationSeconds: Double
  /// A longer event is split into clips of at most this long.
  public var maxDurationSeconds: Double

  public init(
    enabled: Bool = true, preRollSeconds: Double = 5, postRollSeconds: Double = 10,
    minDurationSeconds: Double = 15, maxDurationSeconds: Double = 600,
    mode: RecordingMode = .events, segmentSeconds: Double = 60
  ) {
    self.enabled = enabled
    self.mode = mode
    self.segmentSeconds = segmentSeconds
    self.preRollSeconds = preRollSeconds
    self.postRollSeconds = postRollSeconds
    self.minDurationSeconds = minDurationSeconds
    self.maxDurationSeconds = maxDurationSeconds
  }
}
