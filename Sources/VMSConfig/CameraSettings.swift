// CameraSettings: one camera of the `cameras:` section, with every default filled in.

import Detectors
import Identifiers

public struct CameraSettings: Sendable, Equatable {
  /// Stable key used in URLs, folder names and the index; valid when `CameraID(id)` is not nil (the
  /// decoder reports any other with its line).
  public var id: String
  /// Display name; the id when the file gives none.
  public var name: String
  public var enabled: Bool
  /// Main stream, recorded by stream copy: an rtsp, rtsps, http or https URL, or an absolute path
  /// to a local file (played in real time and looped).
  public var recordURL: String
  /// Optional substream for detection and the live view, same forms as `recordURL`.
  public var detectURL: String?
  public var rtspTransport: RTSPTransport
  public var detector: DetectorSettings
  public var recording: RecordingSettings
  /// 0 keeps recordings forever.
  public var retentionDays: Int
  /// Days per kind of footage (`retention:`); both follow `retentionDays` unless written.
  public var retention: RetentionDays
  public var live: LiveSettings

  public init(
    id: String, name: String? = nil, enabled: Bool = true, recordURL: String,
    detectURL: String? = nil, rtspTransport: RTSPTransport = .tcp,
    detector: DetectorSettings = DetectorSettings(),
    recording: RecordingSettings = RecordingSettings(),
    retentionDays: Int = 14, retention: RetentionDays? = nil, live: LiveSettings = LiveSettings()
  ) {
    self.retention = retention ?? RetentionDays(all: retentionDays)
    self.id = id
    self.name = name ?? id
    self.enabled = enabled
    self.recordURL = recordURL
    self.detectURL = detectURL
    self.rtspTransport = rtspTransport
    self.detector = detector
    self.recording = recording
    self.retentionDays = retentionDays
    self.live = live
  }

  /// The stream analysed for motion and shown live.
  public var effectiveDetectURL: String { detectURL ?? recordURL }
}
