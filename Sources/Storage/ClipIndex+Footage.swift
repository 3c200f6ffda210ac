// "Delete this camera's footage": the explicit action an admin takes for a camera (removed from the
// configuration or not) whose recordings, and on request archives, should go at once rather than by
// retention.
import Foundation
import GRDB

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What one footage deletion did.
public struct FootageDeletion: Sendable, Equatable {
  /// Clips whose rows were removed (their files too, unless listed in `fileErrors`).
  public var deletedClips = 0
  public var freedBytes: Int64 = 0
  /// Clips left because they are still being recorded.
  public var keptRecording = 0
  /// Archived clips left because archives were not included.
  public var keptArchives = 0
  /// Files that could not be removed (their rows are gone: the consistency check reports them).
  public var fileErrors: [String] = []

  public init() {}
}

extension ClipIndex {
  /// Deletes every complete clip of `cameraId`, archived ones only when `includeArchives`; clips still
  /// being recorded are never touched (their recorder is writing them).
  ///
  /// The order, as every deletion (`deleteClips`): each batch of rows is removed in one
  /// transaction, then their files. A crash between the two leaves files without a row (the start-up
  /// check adopts the playable ones back, so the footage reappears and the action can be repeated),
  /// never a row without a file. Batches keep the write lock short, so a recorder's insert never
  /// waits long behind the deletion of years of footage.
  ///
  /// `pruneEmptyFolders`: also remove the camera's folders left empty. Only for a camera that is not
  /// configured: a running recorder creates its day folder just before reserving a clip's name, and
  /// removing it in between would make that clip fail to start.
  public func deleteFootage(
    cameraId: String, includeArchives: Bool, pruneEmptyFolders: Bool = false
  )
    throws -> FootageDeletion
  {
    try DataLayout.validateCameraId(cameraId)
    var result = FootageDeletion()
    let which: DeletableClips = includeArchives ? .complete : .unarchived
    while true {
      let ids = try pool.read(Self.footageBatch(cameraId: cameraId, which))
      guard !ids.isEmpty else { break }
      let batch = try deleteClips(ids: ids, which)
      result.deletedClips += batch.clips.count
      result.freedBytes += batch.freedBytes
      result.fileErrors += batch.fileErrors
    }
    (result.keptRecording, result.keptArchives) = try pool.read(Self.keptCounts(cameraId: cameraId))
    if pruneEmptyFolders { removeEmptyFolders(cameraId: cameraId) }
    return result
  }

  /// The next batch of a camera's footage to delete: selected with the very condition the deletion
  /// checks again, so a row kept by the deletion (changed meanwhile) is not selected again.
  static func footageBatch(cameraId: String, _ which: DeletableClips) -> Query<[Int64]> {
    { db in
      try Int64.fetchAll(
        db,
        sql: """
          SELECT id FROM clip WHERE camera_id = ? AND \(which.sql)
          ORDER BY start_ms, id LIMIT 500
          """,
        arguments: [cameraId])
    }
  }

  /// What a footage deletion left: clips being recorded, and archived ones.
  static func keptCounts(cameraId: String) -> Query<(recording: Int, archives: Int)> {
    { db in
      let recording =
        try Int.fetchOne(
          db, sql: "SELECT COUNT(*) FROM clip WHERE camera_id = ? AND state <> 'complete'",
          arguments: [cameraId]) ?? 0
      let archives =
        try Int.fetchOne(
          db,
          sql:
            "SELECT COUNT(*) FROM clip WHERE camera_id = ? AND state = 'complete' AND archived <> 0",
          arguments: [cameraId]) ?? 0
      return (recording, archives)
    }
  }

  /// The camera's folders left empty, in both trees.
  func removeEmptyFolders(cameraId: String) {
    for tree in ClipTree.allCases {
      removeEmptyFolders(layout.absolutePath(of: tree) + "/" + cameraId)
    }
  }

  /// rmdir of the day folders, then of the camera folder; a folder with anything left in it (a file
  /// being recorded, a file vms does not know) stays, since rmdir refuses non-empty folders.
  private func removeEmptyFolders(_ cameraFolder: String) {
    let days = (try? FileManager.default.contentsOfDirectory(atPath: cameraFolder)) ?? []
    for day in days { rmdir(cameraFolder + "/" + day) }
    rmdir(cameraFolder)
  }
}
