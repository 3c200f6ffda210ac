/// # Storage
///
/// The clip index of the data directory: the SQLite database `DATA/vms.sqlite` (GRDB, WAL), its schema
/// and migrations, the lifecycle of clip rows, the queries the UI and the janitor need (clips of a local
/// day, days that have clips, disk usage per camera) and the layout of files under the data directory.
///
/// Does NOT belong here: FFmpeg (probing, writing, thumbnails), HTTP, YAML, camera configuration, actors.
/// `ClipIndex` is synchronous and thread-safe, for the engine's dedicated threads; callers on the
/// cooperative pool use `AsyncClipIndex` (GRDB's async access, file work on threads they give).
/// It only imports GRDB and Foundation.
///
/// ## Storage invariants (DESIGN.md) as they apply here
/// 1. Every clip row points to a file under the data directory, and every finished clip file has a row.
///    `beginClip` reserves the file name by creating the (empty) file exclusively in the same transaction
///    that inserts the row; every deletion (`deleteClips`, ClipIndex+Delete.swift) removes the row before
///    the files, so a crash at any
///    point leaves at worst a file without a row, which start-up repair adopts or reports, never a row
///    without a file.
/// 2. A clip is inserted as `recording` before any byte is written (`beginClip`), and becomes `complete`
///    with its real duration and size when finalised (`finishClip`). The consistency check lists the clips
///    left `recording` after a crash, and start-up repair (StorageCheck, in VMSRuntime, which can probe
///    files) finishes them from what their file holds.
/// 3. Archive = move the file and update the row in one crash-safe step (`archiveClip`, in
///    ClipIndex+Archive.swift, documents its order); names are allocated unique across `recordings/`
///    and `archives/` so a move can never overwrite another clip.
/// 4. Retention never touches archived clips and deletes oldest first; disk usage comes from the index
///    (ClipIndex+Usage.swift sums `size_bytes`), never from walking the tree.
/// 5. Paths are built only from validated camera ids (`CameraID`), local dates and times
///    (`DataLayout`); stored paths are resolved only when they stay inside the data directory
///    (`absolutePath(of:)`).
///
/// Days and hours are local time of the index's `timeZone` (the process's zone unless injected).
import Foundation
import GRDB

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The SQLite index of clips. One instance per data directory per process; every method is synchronous,
/// blocking (disk I/O) and safe to call from any thread (route handlers use `AsyncClipIndex`).
public final class ClipIndex: Sendable {
  public let layout: DataLayout
  // Internal, not private: the ClipIndex+*.swift extensions (retention, consistency, archive) run their own SQL.
  let pool: DatabasePool
  /// Room held for the index on the data disk (see `DiskReserve`).
  public let reserve: DiskReserve

  private init(pool: DatabasePool, layout: DataLayout) {
    self.pool = pool
    self.layout = layout
    reserve = DiskReserve(directory: layout.rootPath)
    reserve.ensure()
  }

  /// `pool.write`, except that a full disk (SQLITE_FULL) first releases the reserve and tries once
  /// more: the index must commit when another process filled the disk (a clip cut short by the
  /// full disk is finished, the janitor deletes to make room). Every write goes through here.
  /// `undoAttempt` runs after an attempt that did not commit, before the next: for work that leaves
  /// something outside the database (a reserved file name).
  func write<T>(undoAttempt: () -> Void = {}, _ updates: (Database) throws -> T) throws -> T {
    do {
      return try pool.write(updates)
    } catch let error as DatabaseError where error.resultCode == .SQLITE_FULL {
      undoAttempt()
      guard reserve.release() else { throw error }
      return try pool.write(updates)
    }
  }

  public var dataDirectory: String { layout.rootPath }
  public var databasePath: String { layout.databasePath }

  // MARK: Opening

  /// Creates the data directory, `recordings/`, `archives/`, `exports/` and the database if missing, then brings the
  /// schema up to date. Reopening an existing database runs only the migrations it has not seen.
  public static func open(dataDirectory: String, timeZone: TimeZone = .current) throws -> ClipIndex
  {
    let layout = DataLayout(rootPath: dataDirectory, timeZone: timeZone)
    for directory in [layout.rootPath] + ClipTree.allCases.map(layout.absolutePath(of:))
      + [layout.exportsPath]
    {
      try prepareDirectory(directory, root: layout.rootPath)
    }
    return ClipIndex(pool: try openDatabase(at: layout.databasePath), layout: layout)
  }

  /// Waits for ongoing accesses and closes the database (graceful shutdown). The index is unusable after.
  public func close() throws {
    try pool.close()
  }

  private static func prepareDirectory(_ path: String, root: String) throws {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
      guard isDirectory.boolValue else {
        throw StorageError.dataDirectoryUnusable(
          path: root, reason: "\(path) exists but is not a directory")
      }
    } else {
      do {
        try FileManager.default.createDirectory(
          atPath: path, withIntermediateDirectories: true)
      } catch {
        throw StorageError.dataDirectoryUnusable(
          path: root, reason: "cannot create \(path) (\(error.localizedDescription))")
      }
    }
    guard access(path, W_OK | X_OK) == 0 else {
      throw StorageError.dataDirectoryUnusable(
        path: root, reason: "\(path) is not writable (\(String(cString: strerror(errno))))")
    }
  }

  private static func openDatabase(at path: String) throws -> DatabasePool {
    var configuration = Configuration()
    configuration.label = "vms.storage"
    // Another process (a backup, a test reading the file) may hold a lock for a moment.
    configuration.busyMode = .timeout(10)
    let pool: DatabasePool
    do {
      pool = try DatabasePool(path: path, configuration: configuration)
      let unknown = try pool.read { db -> [String] in
        guard try db.tableExists("grdb_migrations") else { return [] }
        let applied = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
        return applied.filter { !StorageMigrations.identifiers.contains($0) }
      }
      guard unknown.isEmpty else {
        throw StorageError.databaseTooNew(path: path, unknownMigrations: unknown.sorted())
      }
      try StorageMigrations.migrator.migrate(pool)
    } catch let error as DatabaseError {
      switch error.resultCode {
      case .SQLITE_CORRUPT, .SQLITE_NOTADB:
        throw StorageError.databaseCorrupt(
          path: path, reason: error.message ?? "\(error.resultCode)")
      default:
        throw StorageError.databaseUnavailable(path: path, reason: "\(error)")
      }
    }
    return pool
  }

  // MARK: Clip lifecycle

  /// Allocates the clip's file name (local time of `startMs`; `-1`, `-2`... when another clip of the camera
  /// already has that second), creates the day folder and an empty file to reserve the name, and inserts
  /// the row as `recording`, all before the recorder writes a byte (invariant 2). The returned record's
  /// `thumbnail` is where the JPEG is to be written.
  public func beginClip(cameraId: String, startMs: Int64, kind: ClipKind = .event) throws
    -> ClipRecord
  {
    let firstName = try layout.clipRelativePath(
      in: .recordings, cameraId: cameraId, startMs: startMs)
    let dayDirectory = (try layout.absolutePath(of: firstName) as NSString)
      .deletingLastPathComponent
    do {
      try FileManager.default.createDirectory(
        atPath: dayDirectory, withIntermediateDirectories: true)
    } catch {
      throw StorageError.fileOperationFailed(
        path: dayDirectory, reason: "cannot create the day folder (\(error.localizedDescription))")
    }

    var reservedPath: String?
    // The row did not commit: give the name back so no file is left without a row.
    let giveBack = {
      if let path = reservedPath { unlink(path) }
      reservedPath = nil
    }
    do {
      return try write(undoAttempt: giveBack) { db in
        for sequence in 0..<1000 {
          let file = try layout.clipRelativePath(
            in: .recordings, cameraId: cameraId, startMs: startMs, sequence: sequence)
          guard try isFree(file, db) else { continue }
          let absolute = try layout.absolutePath(of: file)
          guard try reserve(absolute) else { continue }
          reservedPath = absolute
          let thumbnail = DataLayout.thumbnailRelativePath(ofClip: file)
          try db.execute(
            sql: """
              INSERT INTO clip (camera_id, start_ms, file, thumbnail, state, kind)
              VALUES (?, ?, ?, ?, ?, ?)
              """,
            arguments: [cameraId, startMs, file, thumbnail, ClipState.recording, kind])
          return ClipRecord(
            id: db.lastInsertedRowID, cameraId: cameraId, startMs: startMs, endMs: nil,
            durationMs: 0, sizeBytes: 0, file: file, thumbnail: thumbnail, state: .recording,
            archived: false, comment: "", kind: kind)
        }
        throw StorageError.noFreeFileName(base: firstName)
      }
    } catch {
      giveBack()
      throw error
    }
  }

  /// A name is free when no row and no file uses it, in either tree (so archiving can never overwrite),
  /// for the clip or its thumbnail. Files are checked too: a file left without a row by a crash is
  /// evidence to adopt, not to overwrite.
  private func isFree(_ file: String, _ db: Database) throws -> Bool {
    let archivedFile = try layout.relativePath(file, movedTo: .archives)
    let rows =
      try Int.fetchOne(
        db, sql: "SELECT COUNT(*) FROM clip WHERE file IN (?, ?)", arguments: [file, archivedFile])
      ?? 0
    guard rows == 0 else { return false }
    for candidate in [file, archivedFile] {
      for path in [candidate, DataLayout.thumbnailRelativePath(ofClip: candidate)] {
        if FileManager.default.fileExists(atPath: try layout.absolutePath(of: path)) {
          return false
        }
      }
    }
    return true
  }

  /// Creates the empty clip file, failing (false) if anything already exists there.
  private func reserve(_ absolutePath: String) throws -> Bool {
    let result = createFileExclusively(absolutePath)
    if result == 0 { return true }
    if result == EEXIST { return false }
    throw StorageError.fileOperationFailed(
      path: absolutePath,
      reason: "cannot create the clip file (\(String(cString: strerror(result))))")
  }

  /// Live progress of a clip being recorded, so it grows in the UI. Only a `recording` clip can move.
  public func updateProgress(id: Int64, endMs: Int64, durationMs: Int64, sizeBytes: Int64) throws {
    try write { db in
      try db.execute(
        sql: """
          UPDATE clip SET end_ms = ?, duration_ms = ?, size_bytes = ?
          WHERE id = ? AND state = ?
          """,
        arguments: [endMs, durationMs, sizeBytes, id, ClipState.recording])
      if db.changesCount == 0 { try throwWhyNotRecording(id: id, db) }
    }
  }

  /// The file is finalised: real end, duration and size; `thumbnail` NULL when none was written.
  public func finishClip(
    id: Int64, endMs: Int64, durationMs: Int64, sizeBytes: Int64, hasThumbnail: Bool
  ) throws {
    try write { db in
      guard let clip = try ClipRecord.fetchOne(db, key: id) else {
        throw StorageError.clipNotFound(id: id)
      }
      guard clip.state == .recording else { throw StorageError.clipNotRecording(id: id) }
      let thumbnail = hasThumbnail ? DataLayout.thumbnailRelativePath(ofClip: clip.file) : nil
      try db.execute(
        sql: """
          UPDATE clip SET end_ms = ?, duration_ms = ?, size_bytes = ?, thumbnail = ?, state = ?
          WHERE id = ?
          """,
        arguments: [endMs, durationMs, sizeBytes, thumbnail, ClipState.complete, id])
    }
  }

  private func throwWhyNotRecording(id: Int64, _ db: Database) throws -> Never {
    if try ClipRecord.fetchOne(db, key: id) == nil { throw StorageError.clipNotFound(id: id) }
    throw StorageError.clipNotRecording(id: id)
  }

  // MARK: Queries

  /// One query or change, written once as a closure over a `Database`: `ClipIndex` runs it with
  /// GRDB's blocking `read`/`write` (the engine's own threads), `AsyncClipIndex` with GRDB's async
  /// ones (callers on the cooperative pool).
  typealias Query<T> = @Sendable (Database) throws -> T

  public func clip(id: Int64) throws -> ClipRecord? {
    try pool.read(Self.clipQuery(id: id))
  }

  static func clipQuery(id: Int64) -> Query<ClipRecord?> {
    { db in try ClipRecord.fetchOne(db, key: id) }
  }

  /// All clips in a state, oldest first; `.recording` after a start-up lists what a crash interrupted.
  public func clips(inState state: ClipState) throws -> [ClipRecord] {
    try pool.read { db in
      try ClipRecord.fetchAll(
        db, sql: "SELECT * FROM clip WHERE state = ? ORDER BY start_ms, id", arguments: [state])
    }
  }

  /// Clips of a camera that start on a local day (`YYYY-MM-DD`), by start time. `archived` nil means both.
  public func clips(cameraId: String, day: String, archived: Bool? = nil) throws -> [ClipRecord] {
    try pool.read(clipsQuery(cameraId: cameraId, day: day, archived: archived))
  }

  func clipsQuery(cameraId: String, day: String, archived: Bool?) throws
    -> Query<[ClipRecord]>
  {
    try DataLayout.validateCameraId(cameraId)
    let range = try layout.msRange(ofDay: day)
    var sql = "SELECT * FROM clip WHERE camera_id = ? AND start_ms >= ? AND start_ms < ?"
    var arguments: StatementArguments = [cameraId, range.lowerBound, range.upperBound]
    if let archived {
      sql += " AND archived = ?"
      arguments += [archived]
    }
    sql += " ORDER BY start_ms, id"
    let query = sql
    let values = arguments
    return { db in try ClipRecord.fetchAll(db, sql: query, arguments: values) }
  }

  /// Local days (`YYYY-MM-DD`, ascending) on which a camera has clips. `archived` nil means any clip.
  ///
  /// Skips from day to day through the (camera_id, start_ms) index: one lookup per day with clips rather
  /// than reading every row, and day boundaries come from the time zone (DST days are 23 or 25 hours).
  public func days(cameraId: String, archived: Bool? = nil) throws -> [String] {
    try pool.read(daysQuery(cameraId: cameraId, archived: archived))
  }

  func daysQuery(cameraId: String, archived: Bool?) throws
    -> Query<[String]>
  {
    try DataLayout.validateCameraId(cameraId)
    var text = "SELECT start_ms FROM clip WHERE camera_id = ? AND start_ms >= ?"
    if archived != nil { text += " AND archived = ?" }
    text += " ORDER BY start_ms LIMIT 1"
    let sql = text
    let layout = layout
    return { db in
      var days: [String] = []
      var fromMs = Int64.min
      while true {
        var arguments: StatementArguments = [cameraId, fromMs]
        if let archived { arguments += [archived] }
        guard let startMs = try Int64.fetchOne(db, sql: sql, arguments: arguments) else { break }
        let day = layout.localDay(ofMs: startMs)
        days.append(day)
        let nextFromMs = try layout.msRange(ofDay: day).upperBound
        guard nextFromMs > startMs else { break }  // cannot happen; guards against an endless loop
        fromMs = nextFromMs
      }
      return days
    }
  }

  /// Every camera that has clips in the index, configured or not (history of a removed camera stays
  /// reachable), sorted.
  public func cameraIds() throws -> [String] {
    try pool.read(Self.cameraIdsQuery)
  }

  static let cameraIdsQuery: Query<[String]> = { db in
    try String.fetchAll(db, sql: "SELECT DISTINCT camera_id FROM clip ORDER BY camera_id")
  }

  /// The absolute path of a path stored in the index; refuses anything that could leave the data
  /// directory (see `DataLayout.absolutePath(of:)`).
  public func absolutePath(of relative: String) throws -> String {
    try layout.absolutePath(of: relative)
  }
}

/// 0 on success, else the errno. At file scope because `open` and `close` are ClipIndex members.
private func createFileExclusively(_ path: String) -> Int32 {
  let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
  guard descriptor >= 0 else { return errno }
  close(descriptor)
  return 0
}
