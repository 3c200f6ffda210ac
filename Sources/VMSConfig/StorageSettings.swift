// StorageSettings: the `storage:` section, how much recording to keep.

public struct StorageSettings: Sendable, Equatable {
  /// Default retention for cameras that set none; 0 keeps recordings forever.
  public var retentionDays: Int
  /// Days per kind of footage for cameras that set none (`storage.retention`); each kind follows
  /// `retentionDays` unless written.
  public var retention: RetentionDays
  /// Quota for recordings (archives excluded); 0 means none.
  public var maxBytes: Int64
  /// Oldest recordings go when the data disk has less free space than this.
  public var minFreeBytes: Int64

  public init(
    retentionDays: Int = 14, retention: RetentionDays? = nil, maxBytes: Int64 = 0,
    minFreeBytes: Int64 = 2_000_000_000
  ) {
    self.retentionDays = retentionDays
    self.retention = retention ?? RetentionDays(all: retentionDays)
    self.maxBytes = maxBytes
    self.minFreeBytes = minFreeBytes
  }
}

/// How long each kind of footage is kept (`retention: { continuous_days, events_days }`), in days;
/// 0 keeps that kind forever.
public struct RetentionDays: Sendable, Equatable {
  /// Continuous segments that overlap no motion event.
  public var continuousDays: Int
  /// Event clips (events mode), and continuous segments that overlap a motion event.
  public var eventsDays: Int

  public init(continuousDays: Int, eventsDays: Int) {
    self.continuousDays = continuousDays
    self.eventsDays = eventsDays
  }

  /// Both kinds the same (what `retention_days` alone says).
  public init(all days: Int) {
    self.init(continuousDays: days, eventsDays: days)
  }

  /// The days a continuous segment that overlaps an event is kept: the longer of the two (an
  /// event's footage never goes before the footage around no event), 0 when either keeps forever.
  public var segmentsWithEventsDays: Int {
    continuousDays == 0 || eventsDays == 0 ? 0 : max(continuousDays, eventsDays)
  }
}
