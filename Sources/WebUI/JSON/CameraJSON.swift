// The `Camera` object of docs/api.md, and the status shape shared with the WebSocket.
import VMSConfig
import VMSRuntime

struct StatusJSON: Encodable {
  var state: String
  var error: String?
  var motion: Bool
  var recording: Bool

  init(_ status: CameraStatus) {
    state = status.state.rawValue
    error = status.error
    motion = status.motion
    recording = status.recording
  }

  init(state: String) {
    self.state = state
    error = nil
    motion = false
    recording = false
  }

  enum CodingKeys: String, CodingKey { case state, error, motion, recording }

  // Explicit so `error` is written as null rather than left out.
  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(state, forKey: .state)
    try container.encode(error, forKey: .error)
    try container.encode(motion, forKey: .motion)
    try container.encode(recording, forKey: .recording)
  }
}

/// One camera of the WebSocket messages: `{"id","name","state","error","motion","recording"}`.
struct EventCameraJSON: Encodable {
  var status: CameraStatus

  enum CodingKeys: String, CodingKey { case id, name, state, error, motion, recording }

  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(status.id, forKey: .id)
    try container.encode(status.name, forKey: .name)
    try container.encode(status.state.rawValue, forKey: .state)
    try container.encode(status.error, forKey: .error)
    try container.encode(status.motion, forKey: .motion)
    try container.encode(status.recording, forKey: .recording)
  }
}

struct UsageJSON: Encodable {
  var recordingsBytes: Int64
  var archivesBytes: Int64

  enum CodingKeys: String, CodingKey {
    case recordingsBytes = "recordings_bytes"
    case archivesBytes = "archives_bytes"
  }
}

struct CameraJSON: Encodable {
  struct Detector: Encodable {
    var type: String
    var fps: Double
    var minAreaPercent: Double
    var warmupSeconds: Double

    enum CodingKeys: String, CodingKey {
      case type, fps
      case minAreaPercent = "min_area_percent"
      case warmupSeconds = "warmup_seconds"
    }
  }

  struct Recording: Encodable {
    var enabled: Bool
    var preRollSeconds: Double
    var postRollSeconds: Double
    var minDurationSeconds: Double
    var maxDurationSeconds: Double

    enum CodingKeys: String, CodingKey {
      case enabled
      case preRollSeconds = "pre_roll_seconds"
      case postRollSeconds = "post_roll_seconds"
      case minDurationSeconds = "min_duration_seconds"
      case maxDurationSeconds = "max_duration_seconds"
    }
  }

  struct Live: Encodable {
    var fps: Double
    var width: Int
    var showDetection: Bool

    enum CodingKeys: String, CodingKey {
      case fps, width
      case showDetection = "show_detection"
    }
  }

  var id: String
  var name: String
  var configured: Bool
  var enabled: Bool
  var status: StatusJSON
  var recordURL: String?
  var detectURL: String?
  var detector: Detector?
  var recording: Recording?
  var retentionDays: Int?
  var live: Live?
  var usage: UsageJSON

  enum CodingKeys: String, CodingKey {
    case id, name, configured, enabled, status
    case recordURL = "record_url"
    case detectURL = "detect_url"
    case detector, recording
    case retentionDays = "retention_days"
    case live, usage
  }

  /// A configured camera; URLs pass through `redactingPassword`.
  init(settings: CameraSettings, status: CameraStatus?, usage: UsageJSON) {
    id = settings.id
    name = settings.name
    configured = true
    enabled = settings.enabled
    self.status =
      status.map(StatusJSON.init) ?? StatusJSON(state: settings.enabled ? "connecting" : "disabled")
    recordURL = redactingPassword(settings.recordURL)
    detectURL = settings.detectURL.map(redactingPassword)
    detector = Detector(
      type: settings.detector.type, fps: settings.detector.fps,
      minAreaPercent: settings.detector.minAreaPercent,
      warmupSeconds: settings.detector.warmupSeconds)
    recording = Recording(
      enabled: settings.recording.enabled, preRollSeconds: settings.recording.preRollSeconds,
      postRollSeconds: settings.recording.postRollSeconds,
      minDurationSeconds: settings.recording.minDurationSeconds,
      maxDurationSeconds: settings.recording.maxDurationSeconds)
    retentionDays = settings.retentionDays
    live = Live(
      fps: settings.live.fps, width: settings.live.width, showDetection: settings.live.showDetection)
    self.usage = usage
  }

  /// A camera removed from the configuration that still has footage: only its history remains.
  init(removedId: String, usage: UsageJSON) {
    id = removedId
    name = removedId
    configured = false
    enabled = false
    status = StatusJSON(state: "disabled")
    self.usage = usage
  }

  // Explicit so absent settings of a removed camera are written as null, not left out.
  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(id, forKey: .id)
    try container.encode(name, forKey: .name)
    try container.encode(configured, forKey: .configured)
    try container.encode(enabled, forKey: .enabled)
    try container.encode(status, forKey: .status)
    try container.encode(recordURL, forKey: .recordURL)
    try container.encode(detectURL, forKey: .detectURL)
    try container.encode(detector, forKey: .detector)
    try container.encode(recording, forKey: .recording)
    try container.encode(retentionDays, forKey: .retentionDays)
    try container.encode(live, forKey: .live)
    try container.encode(usage, forKey: .usage)
  }
}
