// Archiving a clip: moving its files from `recordings/` to `archives/` and the row with them, so that
// a kill -9 at any point leaves, after start-up, no row without its file (invariant 1 and 3).
import Foundation
import GRDB

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension ClipIndex {
  /// Moves a complete clip (video and thumbnail) to `archives/` and marks its row archived; returns the
  /// updated row. An already archived clip is returned unchanged.
  ///
  /// The order, and what a crash between two steps leaves:
  /// 1. Link (or, across disks, copy to a `.partial` name, fsync, rename) each file to its archive
  ///    name, then fsync the archive folder. A crash here: the row still points to the recordings file,
  ///    which exists; the archive copy is a file without a row (names are allocated unique across
  ///    both trees, so it can never be another clip's), replaced by the next attempt.
  /// 2. Update the row in one transaction (file, thumbnail, archived), only if it is still a complete,
  ///    unarchived clip with the same file. A crash after the commit: the row points to the archive
  ///    file, which is durable since step 1.
  /// 3. Remove the recordings files and fsync their folder. A crash before this leaves files without a
  ///    row, never a row without a file.
  ///
  /// Throws `StorageError.clipNotFound`, or `ArchiveRefusal.stillRecording` while the recorder
  /// still writes the clip.
  public func archiveClip(id: Int64) throws -> ClipRecord {
    guard let clip = try clip(id: id) else { throw StorageError.clipNotFound(id: id) }
    if clip.archived { return clip }
    guard clip.state == .complete else { throw ArchiveRefusal.stillRecording(id: id) }
    let move = try linkIntoArchives(clip)
    guard let updated = try write(Self.archiveUpdate(move)) else {
      let now = try self.clip(id: id)
      dropArchiveCopies(move, now: now)
      if let now, now.archived { return now }
      throw StorageError.clipNotFound(id: id)
    }
    removeRecordingsCopies(move)
    return updated
  }

  /// One archive in progress: the clip as selected and where each of its files goes.
  struct ArchiveMove: Sendable {
    struct Link: Sendable {
      var from: String
      var to: String
    }

    var clip: ClipRecord
    var targetRelative: String
    var targetThumbnailRelative: String?
    var links: [Link]
  }

  /// Step 1 (blocking file work): durable copies of the clip's files under `archives/`.
  func linkIntoArchives(_ clip: ClipRecord) throws -> ArchiveMove {
    let sourceFile = try layout.absolutePath(of: clip.file)
    let targetRelative = try layout.relativePath(clip.file, movedTo: .archives)
    let targetFile = try layout.absolutePath(of: targetRelative)
    var links = [ArchiveMove.Link(from: sourceFile, to: targetFile)]
    var targetThumbnailRelative: String?
    if let thumbnail = clip.thumbnail {
      let relative = try layout.relativePath(thumbnail, movedTo: .archives)
      let source = try layout.absolutePath(of: thumbnail)
      if FileManager.default.fileExists(atPath: source) {
        targetThumbnailRelative = relative
        links.append(.init(from: source, to: try layout.absolutePath(of: relative)))
      }
    }
    let targetDirectory = (targetFile as NSString).deletingLastPathComponent
    do {
      try FileManager.default.createDirectory(
        atPath: targetDirectory, withIntermediateDirectories: true)
    } catch {
      throw StorageError.fileOperationFailed(
        path: targetDirectory,
        reason: "cannot create the archive folder (\(error.localizedDescription))")
    }
    for link in links { try durableLink(from: link.from, to: link.to) }
    syncDirectory(targetDirectory)
    return ArchiveMove(
      clip: clip, targetRelative: targetRelative,
      targetThumbnailRelative: targetThumbnailRelative, links: links)
  }

  /// Step 2: the row follows, in one transaction, if it is still the complete, unarchived clip that
  /// was linked; nil when it changed meanwhile.
  static func archiveUpdate(_ move: ArchiveMove) -> Query<ClipRecord?> {
    { db in
      try db.execute(
        sql: """
          UPDATE clip SET file = ?, thumbnail = ?, archived = 1
          WHERE id = ? AND file = ? AND state = ? AND archived = 0
          """,
        arguments: [
          move.targetRelative, move.targetThumbnailRelative, move.clip.id, move.clip.file,
          ClipState.complete,
        ])
      guard db.changesCount == 1 else { return nil }
      return try ClipRecord.fetchOne(db, key: move.clip.id)
    }
  }

  /// The clip changed under step 2 (deleted by retention, archived by another request): undo step 1
  /// unless the row (`now`) points at the archive copy.
  func dropArchiveCopies(_ move: ArchiveMove, now: ClipRecord?) {
    guard now?.file != move.targetRelative else { return }
    for link in move.links { unlink(link.to) }
  }

  /// Step 3 (blocking file work): the recordings copies go.
  func removeRecordingsCopies(_ move: ArchiveMove) {
    for link in move.links { unlink(link.from) }
    if let source = move.links.first?.from {
      syncDirectory((source as NSString).deletingLastPathComponent)
    }
  }
}

/// Makes `to` a durable second name of `from`: a hard link when both are on one disk, else a copy
/// fsynced under a temporary name and renamed. A leftover `to` from an interrupted attempt is
/// replaced (no row can point at it: see step 1 above).
private func durableLink(from source: String, to target: String) throws {
  if link(source, target) == 0 { return }
  var failure = errno
  if failure == EEXIST {
    unlink(target)
    if link(source, target) == 0 { return }
    failure = errno
  }
  guard failure == EXDEV || failure == EPERM || failure == EMLINK else {
    throw StorageError.fileOperationFailed(
      path: target,
      reason: "cannot link the clip into archives/ (\(String(cString: strerror(failure))))")
  }
  let partial = target + ".partial"
  unlink(partial)
  do {
    try FileManager.default.copyItem(atPath: source, toPath: partial)
  } catch {
    throw StorageError.fileOperationFailed(
      path: partial, reason: "cannot copy the clip into archives/ (\(error.localizedDescription))")
  }
  let descriptor = open(partial, O_RDONLY | O_CLOEXEC)
  if descriptor >= 0 {
    fsync(descriptor)
    close(descriptor)
  }
  guard rename(partial, target) == 0 else {
    let reason = String(cString: strerror(errno))
    unlink(partial)
    throw StorageError.fileOperationFailed(
      path: target, reason: "cannot move the copy into place (\(reason))")
  }
}

/// fsync of a folder, so that names created or removed in it survive a power cut.
func syncDirectory(_ path: String) {
  let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
  guard descriptor >= 0 else { return }
  fsync(descriptor)
  close(descriptor)
}

/// Why a user's change to a clip is refused while it is being recorded (HTTP 409).
public enum ArchiveRefusal: Error, Equatable, Sendable, CustomStringConvertible {
  case stillRecording(id: Int64)

  public var description: String {
    switch self {
    case .stillRecording(let id):
      return "clip \(id) is still being recorded: try again when it is complete"
    }
  }
}
