import Foundation
import GRDB
import XCTest

@testable import Storage

/// "Delete this camera's footage": complete clips only, archives on request, in batches, folders of a
/// removed camera pruned.
final class FootageDeletionTests: ClipIndexTestCase {
  private let baseMs = Instant.nov25At210304Ms

  @discardableResult
  private func clip(_ cameraId: String, second: Int64, archived: Bool = false) throws -> ClipRecord
  {
    let record = try clip(
      cameraId, startMs: baseMs + second * 1000, durationMs: 900, sizeBytes: 100)
    if archived { return try index.archiveClip(id: record.id) }
    return record
  }

  func testDeletesCompleteClipsInBatchesAndKeepsRecordingArchivesAndOtherCameras() throws {
    let doomed = try (0..<1203).map { try clip("front", second: $0) }
    let archived = try clip("front", second: 2000, archived: true)
    let open = try index.beginClip(cameraId: "front", startMs: baseMs + 3_000_000)
    let other = try clip("back", second: 0)

    let result = try index.deleteFootage(cameraId: "front", includeArchives: false)
    XCTAssertEqual(result.deletedClips, 1203)
    XCTAssertEqual(result.freedBytes, 120_300)
    XCTAssertEqual(result.keptRecording, 1)
    XCTAssertEqual(result.keptArchives, 1)
    XCTAssertEqual(result.fileErrors, [])
    XCTAssertFalse(doomed.contains { directory.exists($0.file) || directory.exists($0.thumbnail!) })
    XCTAssertNil(try index.clip(id: doomed[0].id))
    for kept in [archived, open, other] {
      XCTAssertNotNil(try index.clip(id: kept.id))
      XCTAssertTrue(directory.exists(kept.file))
    }
    XCTAssertTrue(FileManager.default.fileExists(atPath: directory.dataPath + "/recordings/front"))

    let archives = try index.deleteFootage(cameraId: "front", includeArchives: true)
    XCTAssertEqual(archives.deletedClips, 1)
    XCTAssertEqual(archives.keptArchives, 0)
    XCTAssertFalse(directory.exists(archived.file))
    XCTAssertNotNil(try index.clip(id: open.id), "a clip being recorded is never touched")
  }

  func testPrunesTheEmptyFoldersOfARemovedCameraOnly() throws {
    try clip("gone", second: 0)
    try clip("gone", second: 1, archived: true)
    let result = try index.deleteFootage(
      cameraId: "gone", includeArchives: true, pruneEmptyFolders: true)
    XCTAssertEqual(result.deletedClips, 2)
    for tree in ["recordings", "archives"] {
      XCTAssertFalse(FileManager.default.fileExists(atPath: directory.dataPath + "/\(tree)/gone"))
    }
    XCTAssertEqual(try index.cameraIds(), [])
  }

  func testRefusesAnInvalidCameraId() {
    XCTAssertThrowsError(try index.deleteFootage(cameraId: "../front", includeArchives: true))
  }
}
