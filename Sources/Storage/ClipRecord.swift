import GRDB

/// Where a clip is in its life. Stored as text in `clip.state`.
public enum ClipState: String, Sendable, Codable, CaseIterable, DatabaseValueConvertible {
  /// Row inserted, file being written (or left half-written by a crash: start-up repair looks for these).
  case recording
  /// File finalised; duration and size are the real ones.
  case complete
}

/// What a clip holds, for retention per kind. Stored as text in `clip.kind`.
public enum ClipKind: String, Sendable, Codable, CaseIterable, DatabaseValueConvertible {
  /// A clip of one motion event (`recording.mode: events`), and every clip of an older index.
  case event
  /// A segment of continuous recording (`recording.mode: continuous`), events or not.
  case segment
}

/// One row of the `clip` table.
///
/// Read-only on purpose (fetchable, not persistable): every change goes through `ClipIndex`, which keeps
/// the row and its files consistent. `id` is never nil because a record only exists once inserted.
public struct ClipRecord: Sendable, Equatable, Hashable, Identifiable, Codable, FetchableRecord,
  TableRecord
{
  public static let databaseTableName = "clip"

  public var id: Int64
  public var cameraId: String
  /// Wall clock of the first frame, Unix epoch milliseconds.
  public var startMs: Int64
  /// Nil until the first progress update or completion.
  public var endMs: Int64?
  public var durationMs: Int64
  public var sizeBytes: Int64
  /// Relative to the data directory; resolve with `ClipIndex.absolutePath(of:)`.
  public var file: String
  /// Relative path of the JPEG beside the clip, or nil when there is none.
  public var thumbnail: String?
  public var state: ClipState
  public var archived: Bool
  public var comment: String
  public var kind: ClipKind

  public init(
    id: Int64, cameraId: String, startMs: Int64, endMs: Int64?, durationMs: Int64, sizeBytes: Int64,
    file: String, thumbnail: String?, state: ClipState, archived: Bool, comment: String,
    kind: ClipKind = .event
  ) {
    self.kind = kind
    self.id = id
    self.cameraId = cameraId
    self.startMs = startMs
    self.endMs = endMs
    self.durationMs = durationMs
    self.sizeBytes = sizeBytes
    self.file = file
    self.thumbnail = thumbnail
    self.state = state
    self.archived = archived
    self.comment = comment
  }

  /// Column names are a contract with tools that read the SQLite file directly.
  public enum CodingKeys: String, CodingKey, ColumnExpression {
    case id
    case cameraId = "camera_id"
    case startMs = "start_ms"
    case endMs = "end_ms"
    case durationMs = "duration_ms"
    case sizeBytes = "size_bytes"
    case file
    case thumbnail
    case state
    case archived
    case comment
    case kind
  }

  public typealias Columns = CodingKeys
}
