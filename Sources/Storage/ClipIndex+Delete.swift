// Deleting clips: one conditional path for every deletion (one clip from the API, an hour, a camera's
// footage, retention and the janitor's quota and free-space rules, a clip whose recording failed).
// Whether a clip may go is decided in the same transaction that deletes it, and only the files of
// the rows really deleted are removed: a clip archived (or still recording) between a caller's
// selection and the deletion is kept, with its files.
import Foundation
import GRDB

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Which clips a deletion may take, checked again inside the deleting transaction.
public enum DeletableClips: Sendable, Equatable {
  /// Complete, not archived and under `recordings/`: retention, the janitor, "delete this hour", a
  /// camera's footage without its archives. `recordings/%` is a second lock on archives: a row that
  /// says "not archived" but points into `archives/` (an interrupted move) is kept.
  case unarchived
  /// Complete, archived or not: one clip a user deletes, a camera's footage with its archives.
  case complete
  /// Any state, for the owner of a clip being recorded: a recorder whose file failed, start-up repair
  /// of a file with nothing playable. The caller makes sure no recorder still writes the clip, or that
  /// recorder would fill a file no row points to. Deletions a user asks for never use it.
  case anyState

  /// The condition as SQL. Literals, not parameters, so SQLite can use the partial index
  /// `clip_deletable_start` (v2-retention-index) for `unarchived`; keep that text as the index has it.
  var sql: String {
    switch self {
    case .unarchived: return "archived = 0 AND state = 'complete' AND file LIKE 'recordings/%'"
    case .complete: return "state = 'complete'"
    case .anyState: return "1"
    }
  }
}

/// What one deletion did: the rows it removed, oldest first, and the files it could not remove (their
/// rows are gone: the consistency check reports them as files without a row).
public struct ClipDeletion: Sendable, Equatable {
  public var clips: [ClipRecord] = []
  /// Motion events removed with them: no clip covers them any more (ClipIndex+Events.swift).
  public var events: [MotionEventRecord] = []
  public var fileErrors: [String] = []

  public init() {}

  public var freedBytes: Int64 { clips.reduce(0) { $0 + $1.sizeBytes } }
}

/// The rows one deletion removed (step 1 of `deleteClips`).
struct DeletedRows: Sendable {
  var clips: [ClipRecord]
  var events: [MotionEventRecord]
}

extension ClipIndex {
  /// Deletes the clips among `ids` that are still `which` at the moment of the transaction; ids
  /// that are gone or no longer deletable are skipped. Every clip deletion goes through here.
  ///
  /// The order, and what a crash between two steps leaves:
  /// 1. One transaction: `DELETE ... WHERE id IN (...) AND <condition> RETURNING *`, committed. The
  ///    rows returned are exactly the rows deleted; nothing else is touched in step 2. A crash before
  ///    the commit leaves everything as it was.
  /// 2. For each deleted row, unlink the JPEG beside the video, the row's thumbnail when it differs,
  ///    then the video (`deletionOrder`). A crash here leaves a video without a row (adopted back at
  ///    start-up, as a clip without thumbnail), never a row without a file nor a JPEG alone.
  /// A file that cannot be unlinked is listed in `fileErrors`; the other files are still removed.
  /// The motion events no clip covers any more go in the same transaction, their thumbnails after
  /// the clips' files.
  public func deleteClips(ids: [Int64], _ which: DeletableClips) throws -> ClipDeletion {
    var deletion = ClipDeletion()
    guard !ids.isEmpty else { return deletion }
    let rows = try write(Self.deletion(ids: ids, which))
    (deletion.clips, deletion.events) = (rows.clips, rows.events)
    for clip in deletion.clips { removeFiles(of: clip, into: &deletion.fileErrors) }
    removeThumbnails(of: deletion.events)
    return deletion
  }

  /// Step 1 of `deleteClips`: the rows among `ids` still `which`, deleted and returned oldest first,
  /// and the events left without footage by their deletion.
  static func deletion(ids: [Int64], _ which: DeletableClips) -> Query<DeletedRows> {
    { db in
      var deleted: [ClipRecord] = []
      // SQLite caps bound parameters per statement; chunks keep any batch size legal.
      var start = 0
      while start < ids.count {
        let chunk = Array(ids[start..<min(start + 500, ids.count)])
        start += chunk.count
        let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
        deleted += try ClipRecord.fetchAll(
          db,
          sql: "DELETE FROM clip WHERE id IN (\(marks)) AND \(which.sql) RETURNING *",
          arguments: StatementArguments(chunk))
      }
      // RETURNING gives no order.
      deleted.sort { ($0.startMs, $0.id) < ($1.startMs, $1.id) }
      return DeletedRows(clips: deleted, events: try eventsWithoutFootage(after: deleted, db))
    }
  }

  /// Deletes one clip in any state, for the owner of a clip being recorded (see
  /// `DeletableClips.anyState`): `deleteClip(id:only: .anyState)`.
  public func deleteClip(id: Int64) throws {
    try deleteClip(id: id, only: .anyState)
  }

  /// Deletes one clip if it is still `which`. Returns false when the row exists but the condition
  /// kept it. Throws `StorageError.clipNotFound` when there is no such row, and `fileOperationFailed`
  /// when a file could not be removed (the row is gone then).
  @discardableResult
  public func deleteClip(id: Int64, only which: DeletableClips) throws -> Bool {
    let deletion = try deleteClips(ids: [id], which)
    guard deletion.clips.isEmpty else {
      try Self.throwFileErrors(deletion, what: "clip \(id) was removed from the index")
      return true
    }
    guard try clip(id: id) != nil else { throw StorageError.clipNotFound(id: id) }
    return false
  }

  /// Deletes the complete, unarchived clips of one local hour (clips still being recorded and
  /// archived clips are kept, also when they became so after being selected); returns how many were
  /// deleted.
  public func deleteHour(cameraId: String, day: String, hour: Int) throws -> Int {
    try deleteHour(cameraId: cameraId, day: day, hour: hour, afterSelecting: { _ in })
  }

  /// `deleteHour`, with a look at the selection before the deletion (tests change clips there, as
  /// another request could).
  func deleteHour(
    cameraId: String, day: String, hour: Int, afterSelecting: ([ClipRecord]) throws -> Void
  ) throws -> Int {
    let selected = try clips(cameraId: cameraId, day: day, hour: hour, archived: false)
      .filter { $0.state == .complete }
    try afterSelecting(selected)
    let deletion = try deleteClips(ids: selected.map(\.id), .unarchived)
    try Self.throwFileErrors(
      deletion, what: "\(deletion.clips.count) clip(s) were removed from the index")
    return deletion.clips.count
  }

  static func throwFileErrors(_ deletion: ClipDeletion, what: String) throws {
    guard let first = deletion.fileErrors.first else { return }
    throw StorageError.fileOperationFailed(
      path: first,
      reason: "\(what) but a file could not be deleted (\(deletion.fileErrors.count) in all)")
  }

  /// The files of a deleted clip's row, in the order to unlink them: the JPEG beside the video (it may
  /// exist half-written even when the row says none), the row's thumbnail when it differs, and the
  /// video last. A crash in between then leaves a video without a row (adopted at start-up, as a clip
  /// without thumbnail), never a JPEG alone, which start-up would only report.
  static func deletionOrder(of clip: ClipRecord) -> [String] {
    var paths = [DataLayout.thumbnailRelativePath(ofClip: clip.file)]
    if let thumbnail = clip.thumbnail, !paths.contains(thumbnail) { paths.append(thumbnail) }
    return paths + [clip.file]
  }

  /// Unlinks a deleted row's files in `deletionOrder`; what cannot be removed goes to `errors`.
  func removeFiles(of clip: ClipRecord, into errors: inout [String]) {
    for relative in Self.deletionOrder(of: clip) {
      guard let absolute = try? layout.absolutePath(of: relative) else {
        errors.append("\(relative): refused path")
        continue
      }
      if unlink(absolute) != 0 && errno != ENOENT {
        errors.append("\(absolute): \(String(cString: strerror(errno)))")
      }
    }
  }
}
