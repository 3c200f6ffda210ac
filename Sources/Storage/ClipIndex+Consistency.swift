// The comparison of the index with the clip trees (storage invariant 1), and the repairs that need no
// media probing: finishing an interrupted move, adopting a file whose duration the caller probed,
// removing rows whose footage is gone, correcting sizes and thumbnails. Probing (is this file
// playable? how long?) belongs to VMSRuntime, which decides what to repair.
//
// Speed: the trees are walked once (`ClipFileInventory`) and the index is read with one query; the
// comparison is in memory. 100,000 clips take about a second, never one statement per file.
import Foundation
import GRDB

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension ClipIndex {
  /// Compares every row with the files. `freshSinceMs`: files without a row modified at or after it are
  /// not judged (a running server may be opening that clip); pass nil when no server runs.
  public func checkConsistency(freshSinceMs: Int64? = nil) throws -> ConsistencyReport {
    var inventory = ClipFileInventory.walk(layout)
    var report = ConsistencyReport()
    report.fileCount = inventory.files.count
    report.unknownFiles = inventory.unknown.sorted()
    report.unreadable = inventory.unreadable.sorted()

    report.leftoverCopies = inventory.partialCopies
    // Files a row accounts for are removed from `inventory.files`; what remains has no row.
    // `rowVideos`: rows whose video exists, to tell a leftover copy of a move from an orphan.
    var rowVideos = Set<String>()
    try pool.read { db in
      let rows = try Row.fetchCursor(db, sql: "SELECT * FROM clip ORDER BY start_ms, id")
      while let row = try rows.next() {
        let clip = Self.clipRecord(row)
        report.clipCount += 1
        let thumbnailBeside = DataLayout.thumbnailRelativePath(ofClip: clip.file)
        let video = inventory.files.removeValue(forKey: clip.file)
        let jpeg = inventory.files.removeValue(forKey: thumbnailBeside)
        if let thumbnail = clip.thumbnail, thumbnail != thumbnailBeside {
          inventory.files.removeValue(forKey: thumbnail)
        }
        if video != nil { rowVideos.insert(clip.file) }
        if clip.state == .recording {
          report.recording.append(clip)
          continue
        }
        guard let video else {
          let other = try? layout.relativePath(
            clip.file, movedTo: clip.file.hasPrefix("archives/") ? .recordings : .archives)
          if let other, inventory.files[other] != nil {
            report.misplaced.append(clip)
            // The moved file and its JPEG belong to this row, not to "files without a row".
            inventory.files.removeValue(forKey: other)
            inventory.files.removeValue(forKey: DataLayout.thumbnailRelativePath(ofClip: other))
          } else {
            report.rowsWithoutFile.append(clip)
          }
          continue
        }
        if video.sizeBytes != clip.sizeBytes {
          report.sizeMismatches.append(.init(clip: clip, fileBytes: video.sizeBytes))
        }
        let wantedThumbnail = jpeg != nil ? thumbnailBeside : nil
        if clip.thumbnail != wantedThumbnail {
          report.thumbnailMismatches.append(.init(clip: clip, thumbnail: wantedThumbnail))
        }
      }
    }

    for file in inventory.files.values {
      guard let name = ClipFileName(relativePath: file.relativePath, layout: layout) else {
        continue
      }
      // Names are allocated unique across both trees, so the same name in the other tree can only
      // be this clip: if a row holds that copy, this one is what an interrupted move left.
      let otherTree: ClipTree = name.tree == .archives ? .recordings : .archives
      if let counterpart = try? layout.relativePath(name.videoRelativePath, movedTo: otherTree),
        rowVideos.contains(counterpart)
      {
        report.leftoverCopies.append(file.relativePath)
        continue
      }
      switch name.kind {
      case .video:
        if let freshSinceMs, file.modifiedMs >= freshSinceMs {
          report.skippedFresh += 1
        } else {
          report.filesWithoutRow.append(file)
        }
      case .thumbnail:
        // The JPEG of an orphan video goes with it (adopted together); alone it is a stray.
        if inventory.files[name.videoRelativePath] == nil {
          if let freshSinceMs, file.modifiedMs >= freshSinceMs {
            report.skippedFresh += 1
          } else {
            report.thumbnailsWithoutClip.append(file.relativePath)
          }
        }
      }
    }
    report.filesWithoutRow.sort { $0.relativePath < $1.relativePath }
    report.thumbnailsWithoutClip.sort()
    report.leftoverCopies.sort()
    // Exports live outside the clip trees (never walked above): only their rows are checked.
    report.exportsWithoutFile = try exportsWithoutFile()
    return report
  }

  /// Decodes a row by column name without Codable: the check reads every row, and this is several
  /// times faster on 100,000 of them.
  static func clipRecord(_ row: Row) -> ClipRecord {
    ClipRecord(
      id: row["id"], cameraId: row["camera_id"], startMs: row["start_ms"], endMs: row["end_ms"],
      durationMs: row["duration_ms"], sizeBytes: row["size_bytes"], file: row["file"],
      thumbnail: row["thumbnail"], state: ClipState(rawValue: row["state"]) ?? .recording,
      archived: row["archived"], comment: row["comment"],
      kind: (row["kind"] as String?).flatMap(ClipKind.init(rawValue:)) ?? .event)
  }

  // MARK: Repairs

  /// Removes the row of a complete clip whose video is gone, checking again inside the transaction that
  /// the file is still missing (so a clip restored meanwhile is kept). A leftover JPEG goes too.
  /// Returns false when the row was kept.
  @discardableResult
  public func removeRowWithoutFile(id: Int64) throws -> Bool {
    let removed = try write { db -> ClipRecord? in
      guard let clip = try ClipRecord.fetchOne(db, key: id), clip.state == .complete,
        !FileManager.default.fileExists(atPath: try layout.absolutePath(of: clip.file))
      else { return nil }
      try db.execute(sql: "DELETE FROM clip WHERE id = ?", arguments: [id])
      return clip
    }
    guard let removed else { return false }
    for relative in [removed.thumbnail, DataLayout.thumbnailRelativePath(ofClip: removed.file)] {
      if let relative, let absolute = try? layout.absolutePath(of: relative) { unlink(absolute) }
    }
    return true
  }

  /// Finishes an interrupted archive or un-archive: the row is the truth, so the video (and its JPEG)
  /// found under the same name in the other tree is moved where the row says. Renames never replace
  /// an existing file. Returns false when there was nothing to move.
  @discardableResult
  public func finishMove(id: Int64) throws -> Bool {
    guard let clip = try clip(id: id) else { throw StorageError.clipNotFound(id: id) }
    let target = try layout.absolutePath(of: clip.file)
    guard !FileManager.default.fileExists(atPath: target) else { return false }
    let otherTree: ClipTree = clip.file.hasPrefix("archives/") ? .recordings : .archives
    let source = try layout.absolutePath(of: try layout.relativePath(clip.file, movedTo: otherTree))
    guard FileManager.default.fileExists(atPath: source) else { return false }
    let directory = (target as NSString).deletingLastPathComponent
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    try Self.moveWithoutReplacing(from: source, to: target)
    let sourceJPEG = DataLayout.thumbnailRelativePath(ofClip: source)
    let targetJPEG = DataLayout.thumbnailRelativePath(ofClip: target)
    if FileManager.default.fileExists(atPath: sourceJPEG) {
      try? Self.moveWithoutReplacing(from: sourceJPEG, to: targetJPEG)
    }
    return true
  }

  /// The folder under the data directory where files the index cannot take are moved aside.
  public static let asideFolder = "unsorted"

  /// Moves a clip video the index cannot take (see `StorageError.undatable`), and its thumbnail, to
  /// `unsorted/` under the same path, so it is reported once rather than at every start. Returns
  /// where the video went, relative to the data directory.
  public func moveAside(_ file: String) throws -> String {
    for path in [file, DataLayout.thumbnailRelativePath(ofClip: file)] {
      let source = try layout.absolutePath(of: path)
      guard FileManager.default.fileExists(atPath: source) else { continue }
      let target = layout.rootPath + "/" + Self.asideFolder + "/" + path
      try? FileManager.default.createDirectory(
        atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      try Self.moveWithoutReplacing(from: source, to: target)
    }
    return Self.asideFolder + "/" + file
  }

  /// `link` + `unlink` rather than `rename`: a rename would silently replace a file at the target.
  private static func moveWithoutReplacing(from source: String, to target: String) throws {
    if link(source, target) != 0 {
      let reason = String(cString: strerror(errno))
      // Some file systems (FAT, some network mounts) have no hard links: fall back to rename once
      // the target is known to be free.
      guard errno == EPERM || errno == ENOTSUP || errno == EXDEV,
        !FileManager.default.fileExists(atPath: target), rename(source, target) == 0
      else {
        throw StorageError.fileOperationFailed(
          path: source, reason: "cannot move it to \(target) (\(reason))")
      }
      return
    }
    unlink(source)
  }

  /// Inserts a complete row for a video found without one, with the duration the caller probed and
  /// the file's size. Camera, start time and tree come from the path; the JPEG beside it, if any, is
  /// its thumbnail; a file under `archives/` is adopted as archived, so retention never takes it.
  public func adoptClip(
    file: String, durationMs: Int64, sizeBytes: Int64, recordedAtMs: Int64? = nil
  ) throws
    -> ClipRecord
  {
    guard let name = ClipFileName(relativePath: file, layout: layout), name.kind == .video else {
      throw StorageError.unsafePath(file)
    }
    guard let startMs = Self.adoptionStart(name: name, recordedAtMs: recordedAtMs, layout: layout)
    else {
      throw StorageError.undatable(file)
    }
    let absolute = try layout.absolutePath(of: file)
    guard FileManager.default.fileExists(atPath: absolute) else {
      throw StorageError.fileOperationFailed(path: absolute, reason: "no such file to adopt")
    }
    let thumbnailBeside = DataLayout.thumbnailRelativePath(ofClip: file)
    let hasThumbnail = FileManager.default.fileExists(
      atPath: try layout.absolutePath(of: thumbnailBeside))
    let archived = name.tree == .archives
    return try write { db in
      try db.execute(
        sql: """
          INSERT INTO clip (camera_id, start_ms, end_ms, duration_ms, size_bytes, file, thumbnail,
                            state, archived)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
          """,
        arguments: [
          name.cameraId, startMs, startMs + durationMs, durationMs, sizeBytes, file,
          hasThumbnail ? thumbnailBeside : nil, ClipState.complete, archived,
        ])
      return ClipRecord(
        id: db.lastInsertedRowID, cameraId: name.cameraId, startMs: startMs,
        endMs: startMs + durationMs, durationMs: durationMs, sizeBytes: sizeBytes, file: file,
        thumbnail: hasThumbnail ? thumbnailBeside : nil, state: .complete, archived: archived,
        comment: "")
    }
  }

  /// When an adopted clip began: the time the file itself carries, when it is within a day of what
  /// its name says (a name can be ambiguous, in the hour a fall-back repeats, or impossible, in the
  /// hour a spring-forward skips); else the name's own instant.
  static func adoptionStart(name: ClipFileName, recordedAtMs: Int64?, layout: DataLayout) -> Int64?
  {
    if let recordedAtMs, let day = try? layout.msRange(ofDay: name.day),
      recordedAtMs >= day.lowerBound - 86_400_000, recordedAtMs < day.upperBound + 86_400_000
    {
      return recordedAtMs
    }
    return name.startMs(in: layout)
  }

  /// Sets a complete clip's size to its file's (usage and the quota are counted from the index).
  public func correctSize(id: Int64, sizeBytes: Int64) throws {
    try write { db in
      try db.execute(
        sql: "UPDATE clip SET size_bytes = ? WHERE id = ? AND state = ?",
        arguments: [sizeBytes, id, ClipState.complete])
    }
  }

  /// Points a clip's thumbnail at the JPEG that exists (or nil when none does).
  public func correctThumbnail(id: Int64, thumbnail: String?) throws {
    if let thumbnail { _ = try layout.absolutePath(of: thumbnail) }
    try write { db in
      try db.execute(
        sql: "UPDATE clip SET thumbnail = ? WHERE id = ?", arguments: [thumbnail, id])
    }
  }

  /// Removes a JPEG that belongs to no clip (no row, no video). Refuses anything but a JPEG name vms
  /// writes, and a JPEG whose video exists.
  public func removeStrayThumbnail(_ relative: String) throws {
    guard let name = ClipFileName(relativePath: relative, layout: layout), name.kind == .thumbnail
    else { throw StorageError.unsafePath(relative) }
    let video = try layout.absolutePath(of: name.videoRelativePath)
    guard !FileManager.default.fileExists(atPath: video) else { return }
    let absolute = try layout.absolutePath(of: relative)
    if unlink(absolute) != 0 && errno != ENOENT {
      throw StorageError.fileOperationFailed(
        path: absolute, reason: "cannot remove it (\(String(cString: strerror(errno))))")
    }
  }

  /// Removes what an interrupted move left (see `ConsistencyReport.leftoverCopies`), checking again
  /// that the row's copy exists: a `.partial` copy, or a file whose counterpart in the other tree is a
  /// row's existing file. Anything else is refused.
  public func removeLeftoverCopy(_ relative: String) throws {
    let isPartial = relative.hasSuffix(".partial")
    let clipName = isPartial ? String(relative.dropLast(8)) : relative
    guard let name = ClipFileName(relativePath: clipName, layout: layout) else {
      throw StorageError.unsafePath(relative)
    }
    let absolute = try layout.absolutePath(of: relative)
    if !isPartial {
      let otherTree: ClipTree = name.tree == .archives ? .recordings : .archives
      let counterpart = try layout.relativePath(name.videoRelativePath, movedTo: otherTree)
      let (counterpartRows, ownRows) = try pool.read { db in
        let count = "SELECT COUNT(*) FROM clip WHERE file = ?"
        return (
          try Int.fetchOne(db, sql: count, arguments: [counterpart]) ?? 0,
          try Int.fetchOne(db, sql: count, arguments: [name.videoRelativePath]) ?? 0
        )
      }
      guard counterpartRows == 1, ownRows == 0,
        FileManager.default.fileExists(atPath: try layout.absolutePath(of: counterpart))
      else { return }
    }
    if unlink(absolute) != 0 && errno != ENOENT {
      throw StorageError.fileOperationFailed(
        path: absolute, reason: "cannot remove it (\(String(cString: strerror(errno))))")
    }
  }

  /// Removes an empty video without a row: a name reserved by `beginClip` when a crash came before
  /// the row committed. It holds no footage. Refuses a non-empty file.
  public func removeEmptyOrphan(_ relative: String) throws {
    guard let name = ClipFileName(relativePath: relative, layout: layout), name.kind == .video
    else { throw StorageError.unsafePath(relative) }
    let absolute = try layout.absolutePath(of: relative)
    let attributes = try? FileManager.default.attributesOfItem(atPath: absolute)
    guard (attributes?[.size] as? NSNumber)?.int64Value == 0 else { return }
    let isKnown = try pool.read { db in
      try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM clip WHERE file = ?", arguments: [relative])
        ?? 0
    }
    guard isKnown == 0 else { return }
    unlink(absolute)
    unlink(try layout.absolutePath(of: DataLayout.thumbnailRelativePath(ofClip: relative)))
  }
}
