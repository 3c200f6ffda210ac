// Metrics of one camera input's live video (`LiveStream`): how many viewers watch it now, and how
// many times a viewer fell behind and was moved to a later keyframe. Both change rarely (a viewer
// comes or goes, a player stalls), so they are written as they happen: the count under the stream's
// lock (so two viewers coming at once publish in order), the skips after it.
import Metrics

struct LiveVideoMetrics: Sendable {
  private let viewers: Gauge
  private let skips: Counter

  /// `stream`: the input the viewers watch (`main`, the record input; `sub`, the detect input).
  init(cameraId: String, stream: LiveStreamKind) {
    let dimensions = [("camera", cameraId), ("stream", stream.rawValue)]
    viewers = Gauge(label: "vms_live_viewers", dimensions: dimensions)
    skips = Counter(label: "vms_live_skips_total", dimensions: dimensions)
  }

  func viewers(_ count: Int) { viewers.record(count) }

  func skipped(_ count: Int) { skips.increment(by: count) }
}
