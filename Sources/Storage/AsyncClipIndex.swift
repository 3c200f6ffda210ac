// The index for callers on Swift's cooperative pool (the web server's route handlers): the same
// queries and the same crash-safe orders as `ClipIndex`, but nothing here blocks the caller's
// thread. SQL runs through GRDB's async access (the pool's own reader connections and its writer
// queue, while the calling task is suspended); file work (link, copy, fsync, unlink, rmdir) runs
// on `files`, a bounded thread pool the caller owns (the web layer passes its NIOThreadPool).
//
// `ClipIndex`'s blocking methods stay for the engine's dedicated threads (recorders, the janitor,
// the start-up check) and the command-line tools.
import Foundation
import GRDB

/// Runs blocking work (file system calls) off the cooperative pool and waits for it without
/// blocking. Implementations must bound their threads.
public protocol BlockingIO: Sendable {
  func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T
}

public struct AsyncClipIndex: Sendable {
  public let index: ClipIndex
  /// Where blocking file work runs.
  public let files: any BlockingIO

  public init(_ index: ClipIndex, files: any BlockingIO) {
    self.index = index
    self.files = files
  }

  public var layout: DataLayout { index.layout }

  // MARK: Access

  func read<T: Sendable>(_ query: @Sendable (Database) throws -> T) async throws -> T {
    try await index.pool.read(query)
  }

  /// `ClipIndex.write`'s async twin: a full disk (SQLITE_FULL) first releases the reserve (on
  /// `files`: it is an unlink) and tries once more.
  func write<T: Sendable>(_ updates: @escaping @Sendable (Database) throws -> T) async throws -> T {
    do {
      return try await index.pool.write(updates)
    } catch let error as DatabaseError where error.resultCode == .SQLITE_FULL {
      let reserve = index.reserve
      guard try await files.run({ reserve.release() }) else { throw error }
      return try await index.pool.write(updates)
    }
  }

  // MARK: Queries (see ClipIndex for what each returns)

  public func clip(id: Int64) async throws -> ClipRecord? {
    try await read(ClipIndex.clipQuery(id: id))
  }

  public func clips(cameraId: String, day: String, archived: Bool? = nil) async throws
    -> [ClipRecord]
  {
    try await read(index.clipsQuery(cameraId: cameraId, day: day, archived: archived))
  }

  public func days(cameraId: String, archived: Bool? = nil) async throws -> [String] {
    try await read(index.daysQuery(cameraId: cameraId, archived: archived))
  }

  public func cameraIds() async throws -> [String] {
    try await read(ClipIndex.cameraIdsQuery)
  }

  public func cameraNames() async throws -> [String: String] {
    try await read(ClipIndex.cameraNamesQuery)
  }

  public func usage(cameraId: String) async throws -> ClipUsage {
    try DataLayout.validateCameraId(cameraId)
    return try await read(ClipIndex.usageQuery(of: cameraId))[cameraId] ?? ClipUsage()
  }

  public func usageByCamera() async throws -> [String: ClipUsage] {
    try await read(ClipIndex.usageQuery(of: nil))
  }

  public func recordedBytesByCamera(startedSinceMs sinceMs: Int64) async throws -> [String: Int64] {
    try await read(ClipIndex.recordedBytesQuery(startedSinceMs: sinceMs))
  }

  public func oldestDeletableClip(cameraId: String) async throws -> ClipRecord? {
    try await read(ClipIndex.oldestDeletableClipQuery(cameraId: cameraId))
  }

  /// Whether each of `paths` (relative, as stored) exists, in one trip to `files`.
  public func exist(_ paths: [String]) async throws -> [Bool] {
    let index = index
    return try await files.run {
      paths.map { path in
        (try? index.absolutePath(of: path)).map { FileManager.default.fileExists(atPath: $0) }
          ?? false
      }
    }
  }

  // MARK: Changes

  public func setComment(id: Int64, comment: String) async throws -> ClipRecord {
    try await write(ClipIndex.commentUpdate(id: id, comment: comment))
  }

  /// `ClipIndex.archiveClip`, step by step: the links and the removal of the recordings copies on
  /// `files`, the row's update through the writer queue.
  public func archiveClip(id: Int64) async throws -> ClipRecord {
    guard let clip = try await clip(id: id) else { throw StorageError.clipNotFound(id: id) }
    if clip.archived { return clip }
    guard clip.state == .complete else { throw ArchiveRefusal.stillRecording(id: id) }
    let index = index
    let move = try await files.run { try index.linkIntoArchives(clip) }
    guard let updated = try await write(ClipIndex.archiveUpdate(move)) else {
      let now = try await self.clip(id: id)
      _ = try await files.run { index.dropArchiveCopies(move, now: now) }
      if let now, now.archived { return now }
      throw StorageError.clipNotFound(id: id)
    }
    _ = try await files.run { index.removeRecordingsCopies(move) }
    return updated
  }

  /// `ClipIndex.deleteClips`: the rows in one transaction, then their files on `files`.
  public func deleteClips(ids: [Int64], _ which: DeletableClips) async throws -> ClipDeletion {
    var deletion = ClipDeletion()
    guard !ids.isEmpty else { return deletion }
    let rows = try await write(ClipIndex.deletion(ids: ids, which))
    let (clips, events) = (rows.clips, rows.events)
    deletion.clips = clips
    deletion.events = events
    let index = index
    deletion.fileErrors = try await files.run {
      var errors: [String] = []
      for clip in clips { index.removeFiles(of: clip, into: &errors) }
      index.removeThumbnails(of: events)
      return errors
    }
    return deletion
  }

  /// `ClipIndex.deleteClip(id:only:)`.
  @discardableResult
  public func deleteClip(id: Int64, only which: DeletableClips) async throws -> Bool {
    let deletion = try await deleteClips(ids: [id], which)
    guard deletion.clips.isEmpty else {
      try ClipIndex.throwFileErrors(deletion, what: "clip \(id) was removed from the index")
      return true
    }
    guard try await clip(id: id) != nil else { throw StorageError.clipNotFound(id: id) }
    return false
  }

  /// `ClipIndex.deleteHour`.
  public func deleteHour(cameraId: String, day: String, hour: Int) async throws -> Int {
    let selected = index.inHour(
      hour, try await clips(cameraId: cameraId, day: day, archived: false)
    ).filter { $0.state == .complete }
    let deletion = try await deleteClips(ids: selected.map(\.id), .unarchived)
    try ClipIndex.throwFileErrors(
      deletion, what: "\(deletion.clips.count) clip(s) were removed from the index")
    return deletion.clips.count
  }

  /// `ClipIndex.deleteFootage`: batch by batch, each batch's rows then its files.
  public func deleteFootage(
    cameraId: String, includeArchives: Bool, pruneEmptyFolders: Bool = false
  ) async throws -> FootageDeletion {
    try DataLayout.validateCameraId(cameraId)
    var result = FootageDeletion()
    let which: DeletableClips = includeArchives ? .complete : .unarchived
    while true {
      let ids = try await read(ClipIndex.footageBatch(cameraId: cameraId, which))
      guard !ids.isEmpty else { break }
      let batch = try await deleteClips(ids: ids, which)
      result.deletedClips += batch.clips.count
      result.freedBytes += batch.freedBytes
      result.fileErrors += batch.fileErrors
    }
    (result.keptRecording, result.keptArchives) = try await read(
      ClipIndex.keptCounts(cameraId: cameraId))
    if pruneEmptyFolders {
      let index = index
      _ = try await files.run { index.removeEmptyFolders(cameraId: cameraId) }
    }
    return result
  }
}
