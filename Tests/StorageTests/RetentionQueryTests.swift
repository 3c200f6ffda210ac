import Foundation
import GRDB
import XCTest

@testable import Storage

/// The index side of retention: which clips are deletable, oldest first, and the batch deletion that
/// re-checks each row at the moment it deletes.
final class RetentionQueryTests: ClipIndexTestCase {
  private let dayMs: Int64 = 86_400_000
  private let baseMs = Instant.nov25At210304Ms

  func testExpiredClipsAreCompleteUnarchivedAndEndedBeforeTheCutoff() throws {
    let old = try clip("front", startMs: baseMs - 10 * dayMs)
    let older = try clip("front", startMs: baseMs - 11 * dayMs)
    // Starts before the cutoff but ends after it: part of its footage is still within retention.
    let straddling = try clip("front", startMs: baseMs - 5 * dayMs - 5_000, durationMs: 10_000)
    let recent = try clip("front", startMs: baseMs - 1 * dayMs)
    let archived = try clip("front", startMs: baseMs - 12 * dayMs)
    try markArchived(archived.id)
    let open = try index.beginClip(cameraId: "front", startMs: baseMs - 13 * dayMs)
    let otherCamera = try clip("back", startMs: baseMs - 20 * dayMs)

    let expired = try index.expiredClips(
      cameraId: "front", endedBeforeMs: baseMs - 5 * dayMs, limit: 100)
    XCTAssertEqual(expired.map(\.id), [older.id, old.id])
    XCTAssertFalse(
      expired.contains {
        [straddling.id, recent.id, archived.id, open.id, otherCamera.id].contains($0.id)
      })
    XCTAssertEqual(
      try index.expiredClips(cameraId: "front", endedBeforeMs: baseMs, limit: 1).map(\.id),
      [older.id])
  }

  func testOldestDeletableAcrossCamerasSkipsArchivesAndOpenClips() throws {
    let a1 = try clip("a", startMs: baseMs - 3_000_000)
    let b1 = try clip("b", startMs: baseMs - 2_000_000)
    let a2 = try clip("a", startMs: baseMs - 1_000_000)
    let archived = try clip("b", startMs: baseMs - 4_000_000)
    try markArchived(archived.id)
    _ = try index.beginClip(cameraId: "c", startMs: baseMs - 5_000_000)

    XCTAssertEqual(try index.oldestDeletableClips(limit: 10).map(\.id), [a1.id, b1.id, a2.id])
    XCTAssertEqual(try index.oldestDeletableClip(cameraId: "b")?.id, b1.id)
    XCTAssertNil(try index.oldestDeletableClip(cameraId: "c"))

    // The partial index answers the cross-camera query (no full scan, no sort of archives).
    let plan = try directory.rawDatabase().read { db in
      try Row.fetchAll(
        db,
        sql:
          "EXPLAIN QUERY PLAN SELECT * FROM \(ClipIndex.acrossCameras) WHERE \(ClipIndex.deletableCondition) ORDER BY start_ms, id LIMIT 5"
      ).map { $0["detail"] as String }.joined(separator: "; ")
    }
    XCTAssertTrue(plan.contains("clip_deletable_start"), plan)
    XCTAssertFalse(plan.contains("TEMP B-TREE"), plan)
  }

  func testUsageAndRecentBytesComeFromTheIndex() throws {
    try clip("a", startMs: baseMs - 2 * dayMs, sizeBytes: 100)
    try clip("a", startMs: baseMs - 1_000, sizeBytes: 200)
    let archived = try clip("a", startMs: baseMs - 3 * dayMs, sizeBytes: 400)
    try markArchived(archived.id)
    try clip("b", startMs: baseMs - 2_000, sizeBytes: 800)

    XCTAssertEqual(try index.recordingsBytes(), 1_100)
    let usage = try index.usageByCamera()
    XCTAssertEqual(usage["a"], ClipUsage(recordingsBytes: 300, archivesBytes: 400))
    XCTAssertEqual(usage["b"], ClipUsage(recordingsBytes: 800, archivesBytes: 0))
    XCTAssertEqual(
      try index.recordedBytesByCamera(startedSinceMs: baseMs - dayMs), ["a": 200, "b": 800])
  }

  func testRetentionDeletionRemovesRowsAndFilesButRechecksEachRow() throws {
    let gone = try clip("a", startMs: baseMs - 3_000_000)
    let archivedMeanwhile = try clip("a", startMs: baseMs - 2_000_000)
    try markArchived(archivedMeanwhile.id)
    let open = try index.beginClip(cameraId: "a", startMs: baseMs - 1_000_000)

    let deletion = try index.deleteClips(
      ids: [gone.id, archivedMeanwhile.id, open.id, 9_999], .unarchived)
    XCTAssertEqual(deletion.clips.map(\.id), [gone.id])
    XCTAssertEqual(deletion.freedBytes, 1_000)
    XCTAssertEqual(deletion.fileErrors, [])
    XCTAssertNil(try index.clip(id: gone.id))
    XCTAssertFalse(directory.exists(gone.file))
    XCTAssertFalse(directory.exists(gone.thumbnail!))
    XCTAssertNotNil(try index.clip(id: archivedMeanwhile.id))
    XCTAssertTrue(directory.exists(archivedMeanwhile.file))
    XCTAssertNotNil(try index.clip(id: open.id))
  }

  func testRetentionNeverDeletesARowThatPointsIntoArchives() throws {
    // An interrupted move can leave archived = 0 on a row whose file is under archives/.
    let clip = try clip("a", startMs: baseMs - 3_000_000)
    let moved = try index.layout.relativePath(clip.file, movedTo: .archives)
    try FileManager.default.createDirectory(
      atPath: (directory.dataPath + "/" + moved as NSString).deletingLastPathComponent,
      withIntermediateDirectories: true)
    try directory.write(1_000, to: moved)
    try directory.rawDatabase().write { db in
      try db.execute(sql: "UPDATE clip SET file = ? WHERE id = ?", arguments: [moved, clip.id])
    }
    XCTAssertEqual(try index.oldestDeletableClips(limit: 10), [])
    XCTAssertEqual(try index.deleteClips(ids: [clip.id], .unarchived).clips, [])
    XCTAssertTrue(directory.exists(moved))
  }

  func testLargeBatchesAreChunked() throws {
    var ids: [Int64] = []
    for second in 0..<1_200 {
      ids.append(try clip("a", startMs: baseMs + Int64(second) * 1_000, sizeBytes: 1).id)
    }
    let deletion = try index.deleteClips(ids: ids, .unarchived)
    XCTAssertEqual(deletion.clips.count, 1_200)
    XCTAssertEqual(try index.recordingsBytes(), 0)
  }
}
