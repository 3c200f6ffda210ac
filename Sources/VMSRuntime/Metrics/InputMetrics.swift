// Traffic metrics of one camera input (its stream reader): video frames and bytes read, failed or
// lost connections, and the wall time of the last packet.
//
// The reader's per-packet path must stay cheap, so packets are counted in plain integers on the
// reader's own thread and handed to the shared counters (atomics) about once a second, and on every
// disconnection. A scrape may therefore lag the stream by up to a second. The last packet's time is
// exported as a timestamp rather than an age: Prometheus computes the age at query time
// (`time() - vms_camera_last_packet_timestamp_seconds`), so nothing has to tick while a camera is
// silent, which is exactly when the age matters.
import CFFmpeg
import Foundation
import Metrics
import Timekeeping
import VMSMedia

struct InputMetrics {
  /// How often the local counts are published to the shared counters.
  static let publishNanos: UInt64 = 1_000_000_000

  private let frames: Counter
  private let bytes: Counter
  private let reconnects: Counter
  private let lastPacket: Gauge
  private let missingFrames: Counter
  private var videoIndex: Int32 = -1
  private var pendingFrames = 0
  private var pendingBytes = 0
  /// Monotonic nanoseconds of the last packet counted and of the last publication.
  private var lastPacketNanos: UInt64 = 0
  private var publishedNanos: UInt64 = 0
  /// The reader's clock: the times it passes to `count` are read on it.
  private let clock: EngineClock

  /// Made once per reader: the metric objects are looked up here, never per packet. A camera
  /// restarted with the same id finds the same series again (the registry keys them by labels).
  init(cameraId: String, role: StreamRole, clock: EngineClock) {
    self.clock = clock
    let dimensions = [("camera", cameraId), ("input", role.rawValue)]
    frames = Counter(label: "vms_camera_frames_total", dimensions: dimensions)
    bytes = Counter(label: "vms_camera_bytes_total", dimensions: dimensions)
    reconnects = Counter(label: "vms_camera_reconnects_total", dimensions: dimensions)
    lastPacket = Gauge(label: "vms_camera_last_packet_timestamp_seconds", dimensions: dimensions)
    missingFrames = Counter(label: "vms_camera_missing_frames_total", dimensions: dimensions)
  }

  /// Frames that never arrived (see `FrameLoss`); rare, so counted at once.
  func framesMissing(_ count: Int) { missingFrames.increment(by: count) }

  /// A new connection: which stream carries the frames.
  mutating func connected(_ layout: StreamLayout) {
    videoIndex = layout.video.map { Int32($0.index) } ?? -1
    publishedNanos = clock.nanos
  }

  /// One packet read at `nowNanos` (the reader's clock read for this packet): two integer adds;
  /// the shared counters once a second.
  mutating func count(_ packet: UnsafePointer<AVPacket>, at nowNanos: UInt64) {
    if packet.pointee.stream_index == videoIndex { pendingFrames += 1 }
    pendingBytes += Int(packet.pointee.size)
    lastPacketNanos = nowNanos
    if lastPacketNanos &- publishedNanos >= Self.publishNanos { publish() }
  }

  /// A connection that failed to open or was lost (`lost`), or ended by a stop (not a reconnect).
  mutating func disconnected(lost: Bool) {
    publish()
    if lost { reconnects.increment() }
  }

  private mutating func publish() {
    let now = clock.nanos
    publishedNanos = now
    guard pendingBytes > 0 || pendingFrames > 0 else { return }
    frames.increment(by: pendingFrames)
    bytes.increment(by: pendingBytes)
    pendingFrames = 0
    pendingBytes = 0
    // Wall time of the last packet, not of this publication (they differ after a stall).
    let ageMs = Int64((now &- lastPacketNanos) / 1_000_000)
    lastPacket.record(Milliseconds.seconds(clock.wallMs - ageMs))
  }
}
