// One motion event as the API and the events WebSocket give it (docs/api.md, "Motion events").
import Storage

struct MotionEventJSON: Encodable, Equatable {
  var id: Int64
  var cameraId: String
  var startMs: Int64
  var endMs: Int64?
  var peakScore: Double
  var peakMs: Int64
  var label: String?
  var clipId: Int64?
  var reviewed: Bool
  var thumbnailURL: String?

  init(_ event: MotionEventRecord) {
    id = event.id
    cameraId = event.cameraId
    startMs = event.startMs
    endMs = event.endMs
    // Two decimals: the detector's percentage is no finer than that.
    peakScore = (event.peakScore * 100).rounded() / 100
    peakMs = event.peakMs
    label = event.label
    clipId = event.clipId
    reviewed = event.reviewed
    thumbnailURL = event.thumbnail == nil ? nil : "/api/v1/motion-events/\(event.id)/thumbnail"
  }

  enum CodingKeys: String, CodingKey {
    case id
    case cameraId = "camera_id"
    case startMs = "start_ms"
    case endMs = "end_ms"
    case peakScore = "peak_score"
    case peakMs = "peak_ms"
    case label
    case clipId = "clip_id"
    case reviewed
    case thumbnailURL = "thumbnail_url"
  }

  /// Every key always present: `null` says "open", "no label", "no clip", "no thumbnail yet".
  func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(id, forKey: .id)
    try c.encode(cameraId, forKey: .cameraId)
    try c.encode(startMs, forKey: .startMs)
    try c.encode(endMs, forKey: .endMs)
    try c.encode(peakScore, forKey: .peakScore)
    try c.encode(peakMs, forKey: .peakMs)
    try c.encode(label, forKey: .label)
    try c.encode(clipId, forKey: .clipId)
    try c.encode(reviewed, forKey: .reviewed)
    try c.encode(thumbnailURL, forKey: .thumbnailURL)
  }
}
