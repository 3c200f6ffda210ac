// A camera as an edit form sends it: every field optional. Only the values that differ from the
// settings in force are written (`CameraEditing.edits`), so an edit changes only what it changes.
// URLs may carry `***` in place of the password the form never received.
import Detectors
import VMSConfig

public struct CameraForm: Sendable, Equatable {
  public struct Detector: Sendable, Equatable {
    public var type: String?
    public var fps: Double?
    public var minAreaPercent: Double?
    public var warmupSeconds: Double?
    public var decode: String?
    public init(
      type: String? = nil, fps: Double? = nil, minAreaPercent: Double? = nil,
      warmupSeconds: Double? = nil, decode: String? = nil
    ) {
      self.decode = decode
      self.type = type
      self.fps = fps
      self.minAreaPercent = minAreaPercent
      self.warmupSeconds = warmupSeconds
    }
  }

  public struct Recording: Sendable, Equatable {
    public var enabled: Bool?
    public var mode: String?
    public var segmentSeconds: Double?
    public var preRollSeconds: Double?
    public var postRollSeconds: Double?
    public var minDurationSeconds: Double?
    public var maxDurationSeconds: Double?
    public init(
      enabled: Bool? = nil, mode: String? = nil, segmentSeconds: Double? = nil,
      preRollSeconds: Double? = nil, postRollSeconds: Double? = nil,
      minDurationSeconds: Double? = nil, maxDurationSeconds: Double? = nil
    ) {
      self.enabled = enabled
      self.mode = mode
      self.segmentSeconds = segmentSeconds
      self.preRollSeconds = preRollSeconds
      self.postRollSeconds = postRollSeconds
      self.minDurationSeconds = minDurationSeconds
      self.maxDurationSeconds = maxDurationSeconds
    }
  }

  public struct Live: Sendable, Equatable {
    public var fps: Double?
    public var width: Int?
    public var showDetection: Bool?
    public init(fps: Double? = nil, width: Int? = nil, showDetection: Bool? = nil) {
      self.fps = fps
      self.width = width
      self.showDetection = showDetection
    }
  }

  public var name: String?
  public var enabled: Bool?
  public var recordURL: String?
  /// An empty string removes the detect URL (detection then uses the record URL).
  public var detectURL: String?
  public var rtspTransport: String?
  public var detector = Detector()
  public var recording = Recording()
  public var retentionDays: Int?
  /// Drop the camera's own `retention_days`, so it follows `storage.retention_days` again (the
  /// form's emptied field; `retention_days: null` in the API).
  public var retentionDaysToDefault = false
  public var live = Live()

  public init() {}
}
