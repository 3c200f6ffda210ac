// The body of POST /api/v1/cameras and PUT /api/v1/cameras/{id}: the `Camera` shape of
// docs/api.md (every field optional on an edit) plus the `config_hash` the client loaded.
import VMSRuntime

struct CameraFormJSON: Decodable {
  // The nested objects are the Camera object's, read with its keys so the two cannot drift apart.
  struct Detector: Decodable {
    var type: String?
    var fps: Double?
    var minAreaPercent: Double?
    var warmupSeconds: Double?
    typealias CodingKeys = CameraJSON.Detector.CodingKeys
  }

  struct Recording: Decodable {
    var enabled: Bool?
    var preRollSeconds: Double?
    var postRollSeconds: Double?
    var minDurationSeconds: Double?
    var maxDurationSeconds: Double?
    typealias CodingKeys = CameraJSON.Recording.CodingKeys
  }

  struct Live: Decodable {
    var fps: Double?
    var width: Int?
    var showDetection: Bool?
    typealias CodingKeys = CameraJSON.Live.CodingKeys
  }

  var id: String?
  var name: String?
  var enabled: Bool?
  var recordURL: String?
  var detectURL: String?
  var rtspTransport: String?
  var detector: Detector?
  var recording: Recording?
  var retentionDays: Int?
  var live: Live?
  var configHash: String?

  enum CodingKeys: String, CodingKey {
    case id, name, enabled, detector, recording, live
    case recordURL = "record_url"
    case detectURL = "detect_url"
    case rtspTransport = "rtsp_transport"
    case retentionDays = "retention_days"
    case configHash = "config_hash"
  }

  var form: CameraForm {
    var form = CameraForm()
    form.name = name
    form.enabled = enabled
    form.recordURL = recordURL
    form.detectURL = detectURL
    form.rtspTransport = rtspTransport
    form.retentionDays = retentionDays
    if let d = detector {
      form.detector = .init(type: d.type, fps: d.fps, minAreaPercent: d.minAreaPercent, warmupSeconds: d.warmupSeconds)
    }
    if let r = recording {
      form.recording = .init(
        enabled: r.enabled, preRollSeconds: r.preRollSeconds, postRollSeconds: r.postRollSeconds,
        minDurationSeconds: r.minDurationSeconds, maxDurationSeconds: r.maxDurationSeconds)
    }
    if let l = live { form.live = .init(fps: l.fps, width: l.width, showDetection: l.showDetection) }
    return form
  }
}

/// GET /api/v1/config: what the configuration page needs to edit safely and to show a banner.
struct ConfigStateJSON: Encodable {
  var configHash: String?
  var path: String
  var applied: Bool
  var problems: [String]
  var restartNeeded: [String]

  enum CodingKeys: String, CodingKey {
    case path, applied, problems
    case configHash = "config_hash"
    case restartNeeded = "restart_needed"
  }
}
