// Storage metrics, kept by the janitor: what it deleted, and the disk usage it measured on its last
// pass (recordings from the index, free space from statvfs). Gauges move only with passes (every
// 5 minutes and whenever a clip closes), which is as fresh as the janitor's own view.
import Metrics

struct StorageMetrics {
  private let deletedClips = Counter(label: "vms_janitor_deleted_clips_total")
  private let freedBytes = Counter(label: "vms_janitor_freed_bytes_total")
  private let recordingsBytes = Gauge(label: "vms_storage_recordings_bytes")
  private let freeBytes = Gauge(label: "vms_storage_free_bytes")

  func deleted(clips: Int, bytes: Int64) {
    deletedClips.increment(by: clips)
    freedBytes.increment(by: bytes)
  }

  /// Nil when it could not be measured (an index or statvfs error): the gauge keeps its last value.
  func measured(recordings: Int64?, free: Int64?) {
    if let recordings { recordingsBytes.record(recordings) }
    if let free { freeBytes.record(free) }
  }
}
