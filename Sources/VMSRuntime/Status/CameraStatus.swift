// What a user sees of a camera at a glance: its connection, motion and recording.

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

/// A status event as subscribers receive it.
public enum StatusEvent: Sendable, Equatable {
  /// Every camera, sent first to each new subscriber.
  case snapshot([CameraStatus])
  case changed(CameraStatus)
  case removed(cameraId: String)
}

/// What the engine reports to the hub.
public enum StatusUpdate: Sendable {
  case added(cameraId: String, name: String, enabled: Bool, roles: [StreamRole])
  case removed(cameraId: String)
  case renamed(cameraId: String, name: String)
  case stream(cameraId: String, role: StreamRole, state: ConnectionState, error: String?)
  case motion(cameraId: String, Bool)
  case recording(cameraId: String, Bool)
}
