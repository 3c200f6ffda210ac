// Exports: one MP4 made from a camera's footage over a time range (issue 14). The rows live in the
// table `export`, the files in `DATA/exports/` (`DataLayout.exportPaths`), outside the clip trees:
// the clip check never walks them and retention never deletes them.
//
// The order, and what a crash between two steps leaves (`vms serve` repairs it at start-up with
// `recoverExports`):
// 1. Insert the row `running` (its file name is its id), commit. A crash after: a `running` row,
//    which start-up marks `failed` ("interrupted by a restart").
// 2. Write `exports/ID.mp4.partial`, fsync, rename to `exports/ID.mp4`, fsync the folder. A crash:
//    the partial file or a complete file under a `running` row; start-up removes both.
// 3. Mark the row `done` with the file's size.
// Deleting removes the row first, then the file: a crash between leaves a file no row names, which
// start-up removes.
import Foundation
import GRDB

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Where an export is in its life. Stored as text in `export.state`.
public enum ExportState: String, Sendable, Codable, CaseIterable, DatabaseValueConvertible {
  /// Queued or being written.
  case running
  /// The file is complete and durable.
  case done
  /// It ended without a file (`error` says why).
  case failed
}

/// One row of the `export` table. Read-only, like `ClipRecord`: every change goes through the index.
public struct ExportRecord: Sendable, Equatable, Hashable, Identifiable, Codable, FetchableRecord,
  TableRecord
{
  public static let databaseTableName = "export"

  public var id: Int64
  public var cameraId: String
  /// The range asked for, Unix epoch milliseconds: `[startMs, endMs)`.
  public var startMs: Int64
  public var endMs: Int64
  public var state: ExportState
  /// 0 to 1 while running; 1 when done.
  public var progress: Double
  /// Why it failed, in words a user can act on; nil unless `failed`.
  public var error: String?
  /// `exports/ID.mp4`, relative to the data directory.
  public var file: String
  public var sizeBytes: Int64
  public var createdMs: Int64

  public init(
    id: Int64, cameraId: String, startMs: Int64, endMs: Int64, state: ExportState,
    progress: Double, error: String?, file: String, sizeBytes: Int64, createdMs: Int64
  ) {
    self.id = id
    self.cameraId = cameraId
    self.startMs = startMs
    self.endMs = endMs
    self.state = state
    self.progress = progress
    self.error = error
    self.file = file
    self.sizeBytes = sizeBytes
    self.createdMs = createdMs
  }

  /// Column names are a contract with tools that read the SQLite file directly.
  public enum CodingKeys: String, CodingKey, ColumnExpression {
    case id
    case cameraId = "camera_id"
    case startMs = "start_ms"
    case endMs = "end_ms"
    case state, progress, error, file
    case sizeBytes = "size_bytes"
    case createdMs = "created_ms"
  }
}

/// The rule an export's range obeys, written once: the API refuses what breaks it, the docs quote it.
public enum ExportRange {
  /// The longest range one export may cover: 24 hours.
  public static let maxLengthMs: Int64 = 24 * 3_600_000
  public static let maxLengthText = "24 hours"

  /// Why `[startMs, endMs)` cannot be exported, or nil when it can.
  public static func problem(startMs: Int64, endMs: Int64) -> String? {
    if endMs <= startMs { return "the end must be after the start" }
    if endMs - startMs > maxLengthMs {
      return "the range is longer than \(maxLengthText): export at most \(maxLengthText) at a time"
    }
    return nil
  }

  /// How far before a range's start the footage query looks for a clip that began earlier and
  /// still covers it: no clip is that long (`max_duration` and segments are minutes).
  static let longestClipMs: Int64 = 24 * 3_600_000
}

/// The footage nearest a range that has none, for the answer that says what exists.
public struct NearbyFootage: Sendable, Equatable {
  /// The end of the last footage before the range, epoch ms.
  public var endBeforeMs: Int64?
  /// The start of the first footage after the range, epoch ms.
  public var startAfterMs: Int64?
}

extension ClipIndex {
  // MARK: Queries (each written once, run by ClipIndex and AsyncClipIndex)

  static func exportQuery(id: Int64) -> Query<ExportRecord?> {
    { db in try ExportRecord.fetchOne(db, key: id) }
  }

  static let exportsQuery: Query<[ExportRecord]> = { db in
    try ExportRecord.fetchAll(db, sql: "SELECT * FROM export ORDER BY created_ms DESC, id DESC")
  }

  /// Step 1: the row, `running`, named after its id.
  static func exportInsert(cameraId: String, startMs: Int64, endMs: Int64, createdMs: Int64)
    -> Query<ExportRecord>
  {
    { db in
      try db.execute(
        sql: """
          INSERT INTO export (camera_id, start_ms, end_ms, state, progress, file, created_ms)
          VALUES (?, ?, ?, ?, 0, '', ?)
          """,
        arguments: [cameraId, startMs, endMs, ExportState.running, createdMs])
      let id = db.lastInsertedRowID
      let file = DataLayout.exportRelativePath(id: id)
      try db.execute(sql: "UPDATE export SET file = ? WHERE id = ?", arguments: [file, id])
      return ExportRecord(
        id: id, cameraId: cameraId, startMs: startMs, endMs: endMs, state: .running,
        progress: 0, error: nil, file: file, sizeBytes: 0, createdMs: createdMs)
    }
  }

  /// The clips of a camera whose footage overlaps `[startMs, endMs)`, archived or not, complete or
  /// still being recorded (whose footage runs until `nowMs`), by start.
  static func footageQuery(cameraId: String, startMs: Int64, endMs: Int64, nowMs: Int64)
    -> Query<[ClipRecord]>
  {
    { db in
      try ClipRecord.fetchAll(
        db,
        sql: """
          SELECT * FROM clip
          WHERE camera_id = ? AND start_ms < ? AND start_ms > ?
            AND (CASE WHEN state = 'recording' THEN ? ELSE COALESCE(end_ms, start_ms + duration_ms) END) > ?
          ORDER BY start_ms, id
          """,
        arguments: [cameraId, endMs, startMs - ExportRange.longestClipMs, nowMs, startMs])
    }
  }

  /// The end of the camera's last footage before `startMs` and the start of its first after `endMs`.
  static func nearbyFootageQuery(cameraId: String, startMs: Int64, endMs: Int64, nowMs: Int64)
    -> Query<NearbyFootage>
  {
    { db in
      let before = try Int64.fetchOne(
        db,
        sql: """
          SELECT MAX(CASE WHEN state = 'recording' THEN ? ELSE COALESCE(end_ms, start_ms + duration_ms) END)
          FROM clip WHERE camera_id = ? AND start_ms < ?
          """,
        arguments: [nowMs, cameraId, startMs])
      let after = try Int64.fetchOne(
        db, sql: "SELECT MIN(start_ms) FROM clip WHERE camera_id = ? AND start_ms >= ?",
        arguments: [cameraId, endMs])
      return NearbyFootage(endBeforeMs: before.map { min($0, startMs) }, startAfterMs: after)
    }
  }

  /// Progress of a running export; false when the row is gone or no longer running (deleted).
  static func exportProgressUpdate(id: Int64, progress: Double) -> Query<Bool> {
    { db in
      try db.execute(
        sql: "UPDATE export SET progress = ? WHERE id = ? AND state = ?",
        arguments: [min(max(progress, 0), 1), id, ExportState.running])
      return db.changesCount == 1
    }
  }

  /// Step 3, or the end of a failure: nil when the row is gone or no longer running (deleted).
  static func exportEnd(id: Int64, state: ExportState, error: String?, sizeBytes: Int64)
    -> Query<ExportRecord?>
  {
    { db in
      try db.execute(
        sql: """
          UPDATE export SET state = ?, error = ?, size_bytes = ?,
            progress = CASE WHEN ? = 'done' THEN 1 ELSE progress END
          WHERE id = ? AND state = ?
          """,
        arguments: [state, error, sizeBytes, state, id, ExportState.running])
      guard db.changesCount == 1 else { return nil }
      return try ExportRecord.fetchOne(db, key: id)
    }
  }

  static func exportDeletion(id: Int64) -> Query<ExportRecord?> {
    { db in
      try ExportRecord.fetchOne(
        db, sql: "DELETE FROM export WHERE id = ? RETURNING *", arguments: [id])
    }
  }

  // MARK: Blocking API (the export runner's thread, start-up, tests)

  public func export(id: Int64) throws -> ExportRecord? {
    try pool.read(Self.exportQuery(id: id))
  }

  /// Every export, newest first.
  public func exports() throws -> [ExportRecord] {
    try pool.read(Self.exportsQuery)
  }

  public func insertExport(cameraId: String, startMs: Int64, endMs: Int64, createdMs: Int64) throws
    -> ExportRecord
  {
    try DataLayout.validateCameraId(cameraId)
    return try write(
      Self.exportInsert(cameraId: cameraId, startMs: startMs, endMs: endMs, createdMs: createdMs))
  }

  public func footage(cameraId: String, startMs: Int64, endMs: Int64, nowMs: Int64) throws
    -> [ClipRecord]
  {
    try DataLayout.validateCameraId(cameraId)
    return try pool.read(
      Self.footageQuery(cameraId: cameraId, startMs: startMs, endMs: endMs, nowMs: nowMs))
  }

  public func nearbyFootage(cameraId: String, startMs: Int64, endMs: Int64, nowMs: Int64) throws
    -> NearbyFootage
  {
    try DataLayout.validateCameraId(cameraId)
    return try pool.read(
      Self.nearbyFootageQuery(cameraId: cameraId, startMs: startMs, endMs: endMs, nowMs: nowMs))
  }

  @discardableResult
  public func updateExportProgress(id: Int64, progress: Double) throws -> Bool {
    try write(Self.exportProgressUpdate(id: id, progress: progress))
  }

  /// Marks a running export done (the file is in place) or failed; nil when it was deleted meanwhile
  /// (the caller then removes the file it made).
  public func endExport(id: Int64, state: ExportState, error: String? = nil, sizeBytes: Int64 = 0)
    throws -> ExportRecord?
  {
    precondition(state != .running, "an export ends done or failed")
    return try write(Self.exportEnd(id: id, state: state, error: error, sizeBytes: sizeBytes))
  }

  /// Deletes the row, then its file and any partial one. Returns the deleted row, nil if none.
  @discardableResult
  public func deleteExport(id: Int64) throws -> ExportRecord? {
    guard let deleted = try write(Self.exportDeletion(id: id)) else { return nil }
    removeExportFiles(id: deleted.id)
    return deleted
  }

  /// Unlinks `exports/ID.mp4` and `exports/ID.mp4.partial`, then syncs the folder.
  public func removeExportFiles(id: Int64) {
    let paths = layout.exportPaths(id: id)
    unlink(paths.partial)
    unlink(paths.final)
    syncDirectory(layout.exportsPath)  // removed names stay removed
  }

  /// Start-up (and the end of a shutdown, once no export runs): exports left `running` become
  /// `failed` with `reason` and lose their files; in `exports/`, files that belong to no `done`
  /// row (a crash inside a deletion or before step 3) and partial files are removed. Files whose
  /// names vms never writes are left alone. Returns the exports marked failed.
  @discardableResult
  public func recoverExports(reason: String = "interrupted by a restart: export again")
    throws -> [ExportRecord]
  {
    let failed = try write { db -> [ExportRecord] in
      try ExportRecord.fetchAll(
        db,
        sql: "UPDATE export SET state = ?, error = ? WHERE state = ? RETURNING *",
        arguments: [ExportState.failed, reason, ExportState.running])
    }
    // The sweep below removes their files (no done row names them).
    let done = Set(
      try pool.read { db in
        try Int64.fetchAll(
          db, sql: "SELECT id FROM export WHERE state = ?", arguments: [ExportState.done])
      })
    let names = (try? FileManager.default.contentsOfDirectory(atPath: layout.exportsPath)) ?? []
    for name in names {
      guard let id = DataLayout.exportId(ofFileName: name) else { continue }
      if !done.contains(id) || name.hasSuffix(".partial") {
        unlink(layout.exportsPath + "/" + name)
      }
    }
    return failed
  }

  /// Exports marked done whose file is gone (a consistency problem: the check reports them).
  public func exportsWithoutFile() throws -> [ExportRecord] {
    try pool.read { db in
      try ExportRecord.fetchAll(
        db, sql: "SELECT * FROM export WHERE state = ? ORDER BY id", arguments: [ExportState.done])
    }.filter { !FileManager.default.fileExists(atPath: layout.exportPaths(id: $0.id).final) }
  }
}

extension AsyncClipIndex {
  public func export(id: Int64) async throws -> ExportRecord? {
    try await read(ClipIndex.exportQuery(id: id))
  }

  public func exports() async throws -> [ExportRecord] {
    try await read(ClipIndex.exportsQuery)
  }

  public func insertExport(cameraId: String, startMs: Int64, endMs: Int64, createdMs: Int64)
    async throws -> ExportRecord
  {
    try DataLayout.validateCameraId(cameraId)
    return try await write(
      ClipIndex.exportInsert(
        cameraId: cameraId, startMs: startMs, endMs: endMs, createdMs: createdMs))
  }

  public func footage(cameraId: String, startMs: Int64, endMs: Int64, nowMs: Int64) async throws
    -> [ClipRecord]
  {
    try DataLayout.validateCameraId(cameraId)
    return try await read(
      ClipIndex.footageQuery(cameraId: cameraId, startMs: startMs, endMs: endMs, nowMs: nowMs))
  }

  public func nearbyFootage(cameraId: String, startMs: Int64, endMs: Int64, nowMs: Int64)
    async throws -> NearbyFootage
  {
    try DataLayout.validateCameraId(cameraId)
    return try await read(
      ClipIndex.nearbyFootageQuery(
        cameraId: cameraId, startMs: startMs, endMs: endMs, nowMs: nowMs))
  }

  /// `ClipIndex.deleteExport`: the row through the writer queue, then the files on `files`.
  @discardableResult
  public func deleteExport(id: Int64) async throws -> ExportRecord? {
    guard let deleted = try await write(ClipIndex.exportDeletion(id: id)) else { return nil }
    let index = index
    _ = try await files.run { index.removeExportFiles(id: deleted.id) }
    return deleted
  }
}
