// The body of POST /api/v1/cameras and PUT /api/v1/cameras/{id}: the `Camera` shape of
// docs/api.md (every field optional on an edit) plus the `config_hash` the client loaded.
import Identifiers
import VMSRuntime

struct CameraFormJSON: Decodable {
  // The nested objects are the Camera object's, read with its keys so the two cannot drift apart.
  struct Detector: Decodable {
    var type: String?
    var fps: Double?
    var minAreaPercent: Double?
    var warmupSeconds: Double?
    var decode: String?
    typealias CodingKeys = CameraJSON.Detector.CodingKeys
  }

  struct Recording: Decodable {
    var enabled: Bool?
    var mode: String?
    var segmentSeconds: Double?
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
  /// `"retention_days": null`, not just absent: back to `storage.retention_days`.
  var retentionDaysIsNull = false
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

  init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    id = try c.decodeIfPresent(String.self, forKey: .id)
    name = try c.decodeIfPresent(String.self, forKey: .name)
    enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled)
    recordURL = try c.decodeIfPresent(String.self, forKey: .recordURL)
    detectURL = try c.decodeIfPresent(String.self, forKey: .detectURL)
    rtspTransport = try c.decodeIfPresent(String.self, forKey: .rtspTransport)
    detector = try c.decodeIfPresent(Detector.self, forKey: .detector)
    recording = try c.decodeIfPresent(Recording.self, forKey: .recording)
    retentionDays = try c.decodeIfPresent(Int.self, forKey: .retentionDays)
    retentionDaysIsNull = c.contains(.retentionDays) && retentionDays == nil
    live = try c.decodeIfPresent(Live.self, forKey: .live)
    configHash = try c.decodeIfPresent(String.self, forKey: .configHash)
  }

  var form: CameraForm {
    var form = CameraForm()
    form.name = name
    form.enabled = enabled
    form.recordURL = recordURL
    form.detectURL = detectURL
    form.rtspTransport = rtspTransport
    form.retentionDays = retentionDays
    form.retentionDaysToDefault = retentionDaysIsNull
    if let d = detector {
      form.detector = .init(
        type: d.type, fps: d.fps, minAreaPercent: d.minAreaPercent, warmupSeconds: d.warmupSeconds,
        decode: d.decode)
    }
    if let r = recording {
      form.recording = .init(
        enabled: r.enabled, mode: r.mode, segmentSeconds: r.segmentSeconds,
        preRollSeconds: r.preRollSeconds, postRollSeconds: r.postRollSeconds,
        minDurationSeconds: r.minDurationSeconds, maxDurationSeconds: r.maxDurationSeconds)
    }
    if let l = live {
      form.live = .init(fps: l.fps, width: l.width, showDetection: l.showDetection)
    }
    return form
  }
}

/// One reason a camera edit was refused, with the field of the `Camera` object it concerns (null
/// when none): `{"field": "recording.pre_roll_seconds", "message": "..."}`.
struct CameraProblemJSON: Encodable, Equatable {
  var field: String?
  var message: String

  init(_ problem: CameraEditProblem) {
    field = problem.key.flatMap { Self.fieldOfConfigKey[$0] }
    message = problem.message
  }

  /// The `Camera` object's field for each key of a camera's YAML block (and `id`): the JSON names
  /// come from the coding keys, so the two cannot drift apart.
  static let fieldOfConfigKey: [String: String] = {
    typealias D = CameraJSON.Detector.CodingKeys
    typealias R = CameraJSON.Recording.CodingKeys
    typealias L = CameraJSON.Live.CodingKeys
    typealias C = CameraFormJSON.CodingKeys
    let top: [String: C] = [
      "id": .id, "name": .name, "enabled": .enabled, "record_url": .recordURL,
      "detect_url": .detectURL,
      "rtsp_transport": .rtspTransport, "retention_days": .retentionDays,
    ]
    let detector: [String: D] = [
      "type": .type, "fps": .fps, "min_area_percent": .minAreaPercent, "warmup": .warmupSeconds,
      "decode": .decode,
    ]
    let recording: [String: R] = [
      "enabled": .enabled, "mode": .mode, "segment": .segmentSeconds,
      "pre_roll": .preRollSeconds, "post_roll": .postRollSeconds,
      "min_duration": .minDurationSeconds, "max_duration": .maxDurationSeconds,
    ]
    let live: [String: L] = ["fps": .fps, "width": .width, "show_detection": .showDetection]
    var fields = top.mapValues(\.rawValue)
    for (key, field) in detector {
      fields["detector.\(key)"] = "\(C.detector.rawValue).\(field.rawValue)"
    }
    for (key, field) in recording {
      fields["recording.\(key)"] = "\(C.recording.rawValue).\(field.rawValue)"
    }
    for (key, field) in live { fields["live.\(key)"] = "\(C.live.rawValue).\(field.rawValue)" }
    return fields
  }()
}

/// GET /api/v1/config: what the configuration page needs to edit safely and to show a banner.
struct ConfigStateJSON: Encodable {
  var configHash: String?
  var path: String
  var applied: Bool
  var problems: [String]
  var restartNeeded: [String]
  /// What a new camera's id may be, in words, for the form's hint; the rule is `CameraID`'s and the
  /// server checks it on every request (the browser does not copy it).
  var cameraIdRule = CameraID.rule

  enum CodingKeys: String, CodingKey {
    case path, applied, problems
    case configHash = "config_hash"
    case restartNeeded = "restart_needed"
    case cameraIdRule = "camera_id_rule"
  }
}
