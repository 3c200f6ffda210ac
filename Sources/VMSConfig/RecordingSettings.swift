// RecordingSettings: a camera's `recording:` block, how motion becomes clips.

public struct RecordingSettings: Sendable, Equatable {
  public var enabled: Bool
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
    minDurationSeconds: Double = 15, maxDurationSeconds: Double = 600
  ) {
    self.enabled = enabled
    self.preRollSeconds = preRollSeconds
    self.postRollSeconds = postRollSeconds
    self.minDurationSeconds = minDurationSeconds
    self.maxDurationSeconds = maxDurationSeconds
  }
}
