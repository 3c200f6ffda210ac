import GRDB

/// One row of the `event` table: a motion event as a range of time of one camera.
///
/// Read-only on purpose (fetchable, not persistable): every change goes through `ClipIndex`
/// (ClipIndex+Events.swift), which keeps the row and its thumbnail consistent.
public struct MotionEventRecord: Sendable, Equatable, Hashable, Identifiable, Codable,
  FetchableRecord, TableRecord
{
  public static let databaseTableName = "event"

  public var id: Int64
  public var cameraId: String
  /// When the motion began (wall clock, epoch milliseconds).
  public var startMs: Int64
  /// When it ended; nil while it goes on.
  public var endMs: Int64?
  /// The highest motion score seen during the event: the percentage of the analysed frame that
  /// moved (0 to 100).
  public var peakScore: Double
  /// When that score was seen.
  public var peakMs: Int64
  /// Relative path of the colour JPEG taken at the peak (`events/...`), nil until one is written.
  public var thumbnail: String?
  /// What a detector that names things saw (none does yet).
  public var label: String?
  /// In events mode, the clip the event is; nil in continuous mode (the event points into the
  /// segments by time).
  public var clipId: Int64?
  public var reviewed: Bool

  public init(
    id: Int64, cameraId: String, startMs: Int64, endMs: Int64?, peakScore: Double, peakMs: Int64,
    thumbnail: String?, label: String?, clipId: Int64?, reviewed: Bool
  ) {
    self.id = id
    self.cameraId = cameraId
    self.startMs = startMs
    self.endMs = endMs
    self.peakScore = peakScore
    self.peakMs = peakMs
    self.thumbnail = thumbnail
    self.label = label
    self.clipId = clipId
    self.reviewed = reviewed
  }

  /// Column names are a contract with tools that read the SQLite file directly.
  public enum CodingKeys: String, CodingKey, ColumnExpression {
    case id
    case cameraId = "camera_id"
    case startMs = "start_ms"
    case endMs = "end_ms"
    case peakScore = "peak_score"
    case peakMs = "peak_ms"
    case thumbnail
    case label
    case clipId = "clip_id"
    case reviewed
  }
}

/// Which events a listing returns (`GET /api/v1/motion-events`), newest first.
public struct MotionEventFilter: Sendable, Equatable {
  public var cameraId: String?
  /// Events that end at or after this (open events count as going on).
  public var sinceMs: Int64?
  /// Events that start before this.
  public var untilMs: Int64?
  public var minScore: Double?
  public var reviewed: Bool?
  /// Paging: only events older than this one in the listing's order.
  public var beforeId: Int64?
  public var limit: Int

  public init(
    cameraId: String? = nil, sinceMs: Int64? = nil, untilMs: Int64? = nil,
    minScore: Double? = nil,
    reviewed: Bool? = nil, beforeId: Int64? = nil, limit: Int = 100
  ) {
    self.cameraId = cameraId
    self.sinceMs = sinceMs
    self.untilMs = untilMs
    self.minScore = minScore
    self.reviewed = reviewed
    self.beforeId = beforeId
    self.limit = limit
  }
}
