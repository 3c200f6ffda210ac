// StorageSettings: the `storage:` section, how much recording to keep.

public struct StorageSettings: Sendable, Equatable {
  /// Default retention for cameras that set none; 0 keeps recordings forever.
  public var retentionDays: Int
  /// Quota for recordings (archives excluded); 0 means none.
  public var maxBytes: Int64
  /// Oldest recordings go when the data disk has less free space than this.
  public var minFreeBytes: Int64

  public init(retentionDays: Int = 14, maxBytes: Int64 = 0, minFreeBytes: Int64 = 2_000_000_000) {
    self.retentionDays = retentionDays
    self.maxBytes = maxBytes
    self.minFreeBytes = minFreeBytes
  }
}
