// The queries and the one deletion the storage janitor needs: which clips it may delete (complete,
// not archived, under `recordings/`), oldest first, per camera or across cameras; how many were
// recorded recently (the bitrate behind the projected retention horizon). How many bytes recordings
// use is ClipIndex+Usage.swift's. Bytes always come from the index (invariant 4), never from the tree.
import Foundation
import GRDB

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What one retention deletion did: the rows it removed and the files it could not remove (their rows
/// are gone: the consistency check reports them as files without a row).
public struct RetentionDeletion: Sendable, Equatable {
  public var clips: [ClipRecord] = []
  public var fileErrors: [String] = []

  public init() {}

  public var freedBytes: Int64 { clips.reduce(0) { $0 + $1.sizeBytes } }
}

extension ClipIndex {
  /// The condition a row must meet for the janitor to delete it, as SQL. Literals, not parameters, so
  /// SQLite can use the partial index `clip_deletable_start` (v2-retention-index). `recordings/%` is
  /// a second lock on archives: a row that says "not archived" but points into `archives/` (an
  /// interrupted move) is never deleted by retention.
  static let deletableCondition =
    "archived = 0 AND state = 'complete' AND file LIKE 'recordings/%'"

  // Indexes are named, not left to the planner: without ANALYZE statistics SQLite prefers
  // `clip_state` (state = 'complete' matches nearly every row), then sorts the whole table.
  static let acrossCameras = "clip INDEXED BY clip_deletable_start"
  static let perCamera = "clip INDEXED BY clip_camera_start"

  /// A camera's deletable clips whose footage all ended before `endedBeforeMs` (a clip without an end
  /// counts from its start), oldest first, at most `limit`.
  public func expiredClips(cameraId: String, endedBeforeMs: Int64, limit: Int) throws
    -> [ClipRecord]
  {
    try DataLayout.validateCameraId(cameraId)
    return try pool.read { db in
      try ClipRecord.fetchAll(
        db,
        sql: """
          SELECT * FROM \(Self.perCamera)
          WHERE camera_id = ? AND start_ms < ? AND COALESCE(end_ms, start_ms) < ?
            AND \(Self.deletableCondition)
          ORDER BY start_ms, id LIMIT ?
          """,
        arguments: [cameraId, endedBeforeMs, endedBeforeMs, limit])
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
    try DataLayout.validateCameraId(cameraId)
    return try pool.read { db in
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
    try pool.read { db in
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

  /// Deletes clips for retention: first the rows (one transaction), then their files, as
  /// `deleteClip` does and for the same reason (a crash leaves files without a row, never the reverse).
  ///
  /// Only rows that are still deletable at the moment of the transaction go: a clip archived, or
  /// reopened, since the caller selected it is kept. That re-check is what makes it safe for the janitor
  /// to select on one connection and delete later while the web API archives clips.
  public func deleteForRetention(ids: [Int64]) throws -> RetentionDeletion {
    var deletion = RetentionDeletion()
    guard !ids.isEmpty else { return deletion }
    deletion.clips = try write { db in
      var deleted: [ClipRecord] = []
      // SQLite caps bound parameters per statement; chunks keep any batch size legal.
      var start = 0
      while start < ids.count {
        let chunk = Array(ids[start..<min(start + 500, ids.count)])
        start += chunk.count
        let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
        let condition = "id IN (\(marks)) AND \(Self.deletableCondition)"
        let arguments = StatementArguments(chunk)
        deleted += try ClipRecord.fetchAll(
          db, sql: "SELECT * FROM clip WHERE \(condition) ORDER BY start_ms, id",
          arguments: arguments)
        try db.execute(sql: "DELETE FROM clip WHERE \(condition)", arguments: arguments)
      }
      return deleted
    }
    for clip in deletion.clips { removeFiles(of: clip, into: &deletion.fileErrors) }
    return deletion
  }
}
