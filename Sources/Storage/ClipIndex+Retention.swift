// The queries the storage janitor needs: which clips it may delete (complete, not archived, under
// `recordings/`), oldest first, per camera or across cameras; how many were recorded recently (the
// bitrate behind the projected retention horizon). It deletes them with `deleteClips(ids:_:)` and
// `.unarchived` (ClipIndex+Delete.swift), which checks the condition again; how many bytes
// recordings use is ClipIndex+Usage.swift's. Bytes always come from the index (invariant 4).
import Foundation
import GRDB

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension ClipIndex {
  /// The condition a row must meet for the janitor to delete it (`DeletableClips.unarchived`, which
  /// the deletion checks again).
  static let deletableCondition = DeletableClips.unarchived.sql

  // Indexes are named, not left to the planner: without ANALYZE statistics SQLite prefers
  // `clip_state` (state = 'complete' matches nearly every row), then sorts the whole table.
  static let acrossCameras = "clip INDEXED BY clip_deletable_start"
  static let perCamera = "clip INDEXED BY clip_camera_start"

  /// A camera's deletable clips whose footage all ended before `endedBeforeMs` (a clip without an end
  /// counts from its start), oldest first, at most `limit`. `kind`: only clips of that kind;
  /// `outsideEvents`: only those that overlap no motion event of the camera.
  public func expiredClips(
    cameraId: String, endedBeforeMs: Int64, kind: ClipKind? = nil, outsideEvents: Bool = false,
    limit: Int
  ) throws -> [ClipRecord] {
    try DataLayout.validateCameraId(cameraId)
    var extra = ""
    var arguments: StatementArguments = [cameraId, endedBeforeMs, endedBeforeMs]
    if let kind {
      extra += " AND kind = ?"
      arguments += [kind]
    }
    if outsideEvents { extra += " AND NOT \(Self.overlapsEvent("clip"))" }
    arguments += [limit]
    let values = arguments
    let sql = """
      SELECT * FROM \(Self.perCamera)
      WHERE camera_id = ? AND start_ms < ? AND COALESCE(end_ms, start_ms) < ?
        AND \(Self.deletableCondition)\(extra)
      ORDER BY start_ms, id LIMIT ?
      """
    return try pool.read { db in try ClipRecord.fetchAll(db, sql: sql, arguments: values) }
  }

  /// The oldest continuous segments across every camera that overlap no motion event, oldest
  /// first, at most `limit`: what the quota and free-space rules delete before anything else.
  public func oldestSegmentsOutsideEvents(limit: Int) throws -> [ClipRecord] {
    try pool.read { db in
      try ClipRecord.fetchAll(
        db,
        sql: """
          SELECT * FROM clip INDEXED BY clip_segment_start
          WHERE \(Self.deletableCondition) AND kind = 'segment' AND NOT \(Self.overlapsEvent("clip"))
          ORDER BY start_ms, id LIMIT ?
          """,
        arguments: [limit])
    }
  }

  /// The oldest deletable clips across every camera, oldest first, at most `limit`: what the quota and
  /// free-space rules delete next.
  public func oldestDeletableClips(limit: Int) throws -> [ClipRecord] {
    try pool.read { db in
      try ClipRecord.fetchAll(
        db,
        sql: """
          SELECT * FROM \(Self.acrossCameras) WHERE \(Self.deletableCondition)
          ORDER BY start_ms, id LIMIT ?
          """,
        arguments: [limit])
    }
  }

  /// The clip of a camera that retention would delete next (for the UI), or nil when it has none.
  public func oldestDeletableClip(cameraId: String) throws -> ClipRecord? {
    try pool.read(Self.oldestDeletableClipQuery(cameraId: cameraId))
  }

  static func oldestDeletableClipQuery(cameraId: String) throws
    -> Query<ClipRecord?>
  {
    try DataLayout.validateCameraId(cameraId)
    return { db in
      try ClipRecord.fetchOne(
        db,
        sql: """
          SELECT * FROM \(Self.perCamera) WHERE camera_id = ? AND \(Self.deletableCondition)
          ORDER BY start_ms, id LIMIT 1
          """,
        arguments: [cameraId])
    }
  }

  /// Bytes recorded per camera by clips that started at or after `sinceMs` (archived or not: archiving
  /// does not change what the camera produces). Divided by the window, it is the recent bitrate.
  public func recordedBytesByCamera(startedSinceMs sinceMs: Int64) throws -> [String: Int64] {
    try pool.read(Self.recordedBytesQuery(startedSinceMs: sinceMs))
  }

  static func recordedBytesQuery(startedSinceMs sinceMs: Int64) -> Query<[String: Int64]> {
    { db in
      var bytes: [String: Int64] = [:]
      let rows = try Row.fetchCursor(
        db,
        sql: """
          SELECT camera_id, COALESCE(SUM(size_bytes), 0) AS bytes FROM clip
          WHERE start_ms >= ? GROUP BY camera_id
          """,
        arguments: [sinceMs])
      while let row = try rows.next() { bytes[row["camera_id"]] = row["bytes"] }
      return bytes
    }
  }
}
