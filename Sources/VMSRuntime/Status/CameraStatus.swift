// What a user sees of a camera at a glance: its connection, motion and recording.
import Storage

public enum ConnectionState: String, Sendable, Codable {
  case connecting, connected, reconnecting, disabled
}

/// The two inputs a camera may have. When `detect_url` is the record URL one input plays both roles.
public enum StreamRole: String, Sendable, Codable {
  case record, detect, both
}

public struct CameraStatus: Sendable, Equatable, Codable {
  public var id: String
  public var name: String
  public var state: ConnectionState
  /// The last error, while the camera is not connected; nil when all is well.
  public var error: String?
  public var motion: Bool
  public var recording: Bool
  /// Since when (Unix epoch ms) an enabled camera has not been connected; nil while connected or
  /// disabled.
  public var downSinceMs: Int64?
  /// How the detect stream is decoded; nil until its analyzer has seen a keyframe.
  public var detectDecode: DetectDecodeStatus?

  public init(
    id: String, name: String, state: ConnectionState, error: String? = nil, motion: Bool = false,
    recording: Bool = false
  ) {
    self.id = id
    self.name = name
    self.state = state
    self.error = error
    self.motion = motion
    self.recording = recording
  }
}

/// How the detect stream is decoded (`detector.decode`, docs/performance.md).
public struct DetectDecodeStatus: Sendable, Equatable, Codable {
  /// The configured mode, `all` or `keyframes`.
  public var mode: String
  /// What runs now: `all` or `keyframes` (a `keyframes` camera decodes all while watched).
  public var now: String
  /// The detect stream's keyframe interval as measured, seconds to a tenth; nil before two keyframes.
  public var gopSeconds: Double?

  public init(mode: String, now: String, gopSeconds: Double?) {
    self.mode = mode
    self.now = now
    self.gopSeconds = gopSeconds
  }
}

/// The outcome of the last configuration (re)load, for the UI's banner.
public struct ConfigurationReport: Sendable, Equatable, Codable {
  /// True when the file in force is the file on disk; false when the last edit was rejected.
  public var applied: Bool
  /// Every problem of a rejected file, as "file:line:column: message (hint)".
  public var problems: [String]
  /// Changed settings that only take effect after a restart (listen address, data_dir).
  public var restartNeeded: [String]

  public init(applied: Bool, problems: [String] = [], restartNeeded: [String] = []) {
    self.applied = applied
    self.problems = problems
    self.restartNeeded = restartNeeded
  }
}

/// A status event as subscribers receive it.
public enum StatusEvent: Sendable, Equatable {
  /// Every camera, sent first to each new subscriber.
  case snapshot([CameraStatus])
  case changed(CameraStatus)
  case removed(cameraId: String)
  /// A configuration was applied or rejected; also sent after the snapshot while the file on disk
  /// is rejected, so a page opened later still shows the problems.
  case configuration(ConfigurationReport)
  /// A motion event opened, its peak rose (at most once a second) or it closed: the row as stored.
  case motionEvent(MotionEventRecord)
  /// An export was queued, progressed or ended (`ExportJobs`), or was deleted.
  case export(ExportRecord)
  case exportRemoved(id: Int64)
}

/// What the engine reports to the hub.
public enum StatusUpdate: Sendable {
  case added(cameraId: String, name: String, enabled: Bool, roles: [StreamRole])
  case removed(cameraId: String)
  case renamed(cameraId: String, name: String)
  case stream(cameraId: String, role: StreamRole, state: ConnectionState, error: String?)
  case motion(cameraId: String, Bool)
  case recording(cameraId: String, Bool)
  case configuration(ConfigurationReport)
  /// Recording is paused for lack of disk space (the reason), or resumed (nil).
  case diskPressure(String?)
  /// The input's video arrives damaged (the message), or no longer (nil); the input stays connected.
  case damage(cameraId: String, role: StreamRole, message: String?)
  /// How the detect stream is decoded now (nil: not decoding, disconnected).
  case detectDecode(cameraId: String, DetectDecodeStatus?)
  /// A motion event's row changed (the recorder wrote it): passed on to every subscriber.
  case motionEvent(MotionEventRecord)
  /// An export's row changed (passed on to subscribers as is), or it was deleted.
  case export(ExportRecord)
  case exportRemoved(id: Int64)
}
