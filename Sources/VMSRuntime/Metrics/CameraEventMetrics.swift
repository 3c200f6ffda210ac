// Per-camera event metrics: motion starts (the detect input's analyzer) and clips written with the
// time their finalisation took (the recorder). Each owner makes its own once, at init; the registry
// gives every owner of the same camera id the same series.
import Metrics

/// What a metrics backend needs to know beyond the names: histogram buckets that fit our timers.
public enum VMSMetrics {
  /// Finalising a clip (trailer and fsync) takes under a millisecond on an idle SSD and seconds on a
  /// busy SD card or a network disk: the usual 5 ms..10 s buckets would hide both ends.
  public static let durationBuckets: [String: [Duration]] = [
    "vms_clip_finalise_seconds": [
      .milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(250),
      .seconds(1), .seconds(2.5), .seconds(10), .seconds(30),
    ]
  ]
}

struct MotionMetrics {
  private let events: Counter
  private let damaged: Counter

  init(cameraId: String) {
    events = Counter(label: "vms_camera_motion_events_total", dimensions: [("camera", cameraId)])
    damaged = Counter(label: "vms_camera_damaged_frames_total", dimensions: [("camera", cameraId)])
  }

  func motionStarted() { events.increment() }

  /// Frames the decoder refused or had to conceal errors in.
  func damagedFrames(_ count: Int) { damaged.increment(by: Int64(count)) }
}

struct ClipMetrics {
  private let written: Counter
  private let finalise: Metrics.Timer
  private let gaps: Counter

  init(cameraId: String) {
    let dimensions = [("camera", cameraId)]
    written = Counter(label: "vms_clips_written_total", dimensions: dimensions)
    finalise = Metrics.Timer(label: "vms_clip_finalise_seconds", dimensions: dimensions)
    gaps = Counter(label: "vms_recorder_gaps_total", dimensions: dimensions)
  }

  /// The recorder fell so far behind (a stalled disk) that the reader dropped packets.
  func gap() { gaps.increment() }

  /// A clip closed; `nanos` is how long writing its trailer and fsyncing it took (what a slow or
  /// failing disk shows first).
  func clipWritten(finaliseNanos nanos: UInt64) {
    written.increment()
    finalise.recordNanoseconds(Int64(clamping: nanos))
  }
}
