// What the storage janitor enforces, taken from the configuration: days per camera, the recordings
// quota and the free space to keep.
import VMSConfig

public struct RetentionPolicy: Sendable, Equatable {
  /// For cameras that set none, and for cameras removed from the configuration whose footage is still
  /// in the index (it stays browsable, and is purged like any other). 0 keeps recordings forever.
  public var defaultRetentionDays: Int
  public var retentionDaysByCamera: [String: Int]
  /// Days per kind of footage (`retention:`), for cameras that set none and removed cameras.
  public var defaultRetention: RetentionDays
  public var retentionByCamera: [String: RetentionDays]
  /// Recordings quota (archives excluded); 0 means none.
  public var maxBytes: Int64
  /// Free space to keep on the data disk; 0 means no rule.
  public var minFreeBytes: Int64

  public init(
    defaultRetentionDays: Int = 14, retentionDaysByCamera: [String: Int] = [:], maxBytes: Int64 = 0,
    minFreeBytes: Int64 = 0, defaultRetention: RetentionDays? = nil,
    retentionByCamera: [String: RetentionDays]? = nil
  ) {
    self.defaultRetentionDays = defaultRetentionDays
    self.retentionDaysByCamera = retentionDaysByCamera
    self.defaultRetention = defaultRetention ?? RetentionDays(all: defaultRetentionDays)
    self.retentionByCamera =
      retentionByCamera ?? retentionDaysByCamera.mapValues { RetentionDays(all: $0) }
    self.maxBytes = maxBytes
    self.minFreeBytes = minFreeBytes
  }

  public init(configuration: VMSConfiguration) {
    self.init(
      defaultRetentionDays: configuration.storage.retentionDays,
      retentionDaysByCamera: Dictionary(
        configuration.cameras.map { ($0.id, $0.retentionDays) },
        uniquingKeysWith: { first, _ in first }),
      maxBytes: configuration.storage.maxBytes, minFreeBytes: configuration.storage.minFreeBytes,
      defaultRetention: configuration.storage.retention,
      retentionByCamera: Dictionary(
        configuration.cameras.map { ($0.id, $0.retention) },
        uniquingKeysWith: { first, _ in first }))
  }

  /// A camera's days per kind of footage.
  public func retention(cameraId: String) -> RetentionDays {
    retentionByCamera[cameraId] ?? defaultRetention
  }

  public func retentionDays(cameraId: String) -> Int {
    retentionDaysByCamera[cameraId] ?? defaultRetentionDays
  }
}
