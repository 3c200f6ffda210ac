import Storage
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
  /// Recordings per kind: continuous segments and event clips (they add up to `recordingsBytes`).
  var continuousBytes: Int64
  var eventClipsBytes: Int64

  init(_ usage: ClipUsage) {
    recordingsBytes = usage.recordingsBytes
    archivesBytes = usage.archivesBytes
    continuousBytes = usage.segmentsBytes
    eventClipsBytes = usage.recordingsBytes - usage.segmentsBytes
  }

  /// From the storage outlook; a camera without clips uses nothing.
  init(_ outlook: StorageOutlook.CameraOutlook?) {
    self.init(outlook?.usage ?? ClipUsage())
  }

  enum CodingKeys: String, CodingKey {
    case recordingsBytes = "recordings_bytes"
    case archivesBytes = "archives_bytes"
    case continuousBytes = "continuous_bytes"
    case eventClipsBytes = "event_clips_bytes"
  }
}

/// What the storage janitor will do to a camera's footage: the clip it deletes next and how many days
/// of recordings the camera keeps (`StorageOutlook`).
struct StorageJSON: Encodable {
  struct NextClip: Encodable {
    var id: Int64
    var startMs: Int64

    enum CodingKeys: String, CodingKey {
      case id
      case startMs = "start_ms"
    }
  }

  var nextClipToGo: NextClip?
  /// Nil: unbounded (kept forever, no quota or free-space limit in sight at the recent bitrate).
  var horizonDays: Double?

  init(_ outlook: StorageOutlook.CameraOutlook?) {
    nextClipToGo = outlook?.oldestDeletable.map { NextClip(id: $0.id, startMs: $0.startMs) }
    // A tenth of a day is as precise as a projection from one day's bitrate deserves.
    horizonDays = outlook?.horizonDays.map { ($0 * 10).rounded() / 10 }
  }

  enum CodingKeys: String, CodingKey {
    case nextClipToGo = "next_clip_to_go"
    case horizonDays = "horizon_days"
  }

  // Explicit so absent values are written as null rather than left out.
  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(nextClipToGo, forKey: .nextClipToGo)
    try container.encode(horizonDays, forKey: .horizonDays)
  }
}

/// How a camera's detect stream is decoded: `detector.decode` and what runs now (docs/api.md).
struct DetectDecodeJSON: Encodable {
  /// The configured mode, `all` or `keyframes`.
  var mode: String
  /// What runs now, `all` or `keyframes`; null while the detect stream is not decoded.
  var now: String?
  var gopSeconds: Double?
  /// Set when `keyframes` runs with a pre-roll shorter than the measured GOP + 1 s.
  var warning: String?

  init(settings: CameraSettings, status: DetectDecodeStatus?) {
    mode = settings.detector.decode.rawValue
    now = status?.now
    gopSeconds = status?.gopSeconds
    let preRoll = settings.recording.preRollSeconds
    if KeyframePreRoll.applies(to: settings), let gop = status?.gopSeconds,
      KeyframePreRoll.isShort(preRollSeconds: preRoll, gopSeconds: gop)
    {
      warning =
        "pre_roll (\(ConfigDuration.text(seconds: preRoll))) is shorter than the detect stream's GOP (\(gop) s) + 1 s: with decode: keyframes a clip may start after its motion"
    }
  }

  enum CodingKeys: String, CodingKey {
    case mode, now, warning
    case gopSeconds = "gop_seconds"
  }

  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(mode, forKey: .mode)
    try container.encode(now, forKey: .now)
    try container.encode(gopSeconds, forKey: .gopSeconds)
    try container.encode(warning, forKey: .warning)
  }
}

struct CameraJSON: Encodable {
  struct Detector: Encodable {
    var type: String
    var fps: Double
    var minAreaPercent: Double
    var warmupSeconds: Double
    /// `all` or `keyframes` (`detector.decode`).
    var decode: String

    enum CodingKeys: String, CodingKey {
      case type, fps, decode
      case minAreaPercent = "min_area_percent"
      case warmupSeconds = "warmup_seconds"
    }
  }

  struct Recording: Encodable {
    var enabled: Bool
    /// `events` or `continuous`.
    var mode: String
    var segmentSeconds: Double
    var preRollSeconds: Double
    var postRollSeconds: Double
    var minDurationSeconds: Double
    var maxDurationSeconds: Double

    enum CodingKeys: String, CodingKey {
      case enabled, mode
      case segmentSeconds = "segment_seconds"
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
  /// Days per kind of footage (`retention:`), read only: the form edits `retention_days`.
  var retention: Retention?
  var live: Live?
  var detectDecode: DetectDecodeJSON?
  var usage: UsageJSON
  var storage: StorageJSON

  struct Retention: Encodable {
    var continuousDays: Int
    var eventsDays: Int

    enum CodingKeys: String, CodingKey {
      case continuousDays = "continuous_days"
      case eventsDays = "events_days"
    }
  }

  enum CodingKeys: String, CodingKey {
    case id, name, configured, enabled, status
    case recordURL = "record_url"
    case detectURL = "detect_url"
    case detector, recording
    case retentionDays = "retention_days"
    case retention
    case live, usage, storage
    case detectDecode = "detect_decode"
  }

  /// A configured camera; URLs pass through `redactingPassword`.
  init(settings: CameraSettings, status: CameraStatus?, usage: UsageJSON, storage: StorageJSON) {
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
      warmupSeconds: settings.detector.warmupSeconds, decode: settings.detector.decode.rawValue)
    recording = Recording(
      enabled: settings.recording.enabled, mode: settings.recording.mode.rawValue,
      segmentSeconds: settings.recording.segmentSeconds,
      preRollSeconds: settings.recording.preRollSeconds,
      postRollSeconds: settings.recording.postRollSeconds,
      minDurationSeconds: settings.recording.minDurationSeconds,
      maxDurationSeconds: settings.recording.maxDurationSeconds)
    retentionDays = settings.retentionDays
    retention = Retention(
      continuousDays: settings.retention.continuousDays, eventsDays: settings.retention.eventsDays)
    live = Live(
      fps: settings.live.fps, width: settings.live.width, showDetection: settings.live.showDetection
    )
    detectDecode = DetectDecodeJSON(settings: settings, status: status?.detectDecode)
    self.usage = usage
    self.storage = storage
  }

  /// A camera removed from the configuration that still has footage: only its history remains,
  /// under its last configured `name`.
  init(removedId: String, name: String, usage: UsageJSON, storage: StorageJSON) {
    id = removedId
    self.name = name
    configured = false
    enabled = false
    status = StatusJSON(state: "disabled")
    self.usage = usage
    self.storage = storage
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
    try container.encode(retention, forKey: .retention)
    try container.encode(live, forKey: .live)
    try container.encode(detectDecode, forKey: .detectDecode)
    try container.encode(usage, forKey: .usage)
    try container.encode(storage, forKey: .storage)
  }
}
