import Foundation
import XCTest

@testable import Storage

/// The one deletion path (`deleteClips`): what it may take is decided in the deleting transaction,
/// so a clip that changes between a caller's selection and the deletion keeps its row and files.
final class ClipDeletionTests: ClipIndexTestCase {
  /// 2026-11-25 21:03:04 and 21:40:04 in Paris: the same local hour (21 h).
  private let firstMs = Instant.nov25At210304Ms
  private let secondMs = Instant.nov25At210304Ms + 37 * 60_000

  func testDeletingAnHourKeepsAClipArchivedAfterTheSelection() throws {
    let doomed = try clip("front", startMs: firstMs)
    let archivedMeanwhile = try clip("front", startMs: secondMs)

    var archivedFiles: [String] = []
    let deleted = try index.deleteHour(cameraId: "front", day: "2026-11-25", hour: 21) { selected in
      XCTAssertEqual(selected.map(\.id), [doomed.id, archivedMeanwhile.id])
      // Another request archives one of them, through its own connection to the same file.
      let other = try ClipIndex.open(dataDirectory: directory.dataPath, timeZone: paris)
      defer { try? other.close() }
      let archived = try other.archiveClip(id: archivedMeanwhile.id)
      archivedFiles = [archived.file, try XCTUnwrap(archived.thumbnail)]
    }

    XCTAssertEqual(archivedFiles.count, 2)
    for file in archivedFiles {
      XCTAssertTrue(directory.exists(file), "\(file) of the clip archived meanwhile survives")
    }
    XCTAssertEqual(deleted, 1)
    XCTAssertNil(try index.clip(id: doomed.id))
    XCTAssertFalse(directory.exists(doomed.file))
    XCTAssertFalse(directory.exists(doomed.thumbnail!))
    let kept = try XCTUnwrap(
      try index.clip(id: archivedMeanwhile.id), "the archived clip's row survives")
    XCTAssertTrue(kept.archived)
    XCTAssertTrue(kept.file.hasPrefix("archives/"), kept.file)
    XCTAssertTrue(directory.exists(kept.file), "the archived clip's video survives")
    XCTAssertTrue(directory.exists(try XCTUnwrap(kept.thumbnail)), "and its thumbnail")
    XCTAssertEqual(
      try index.clips(cameraId: "front", day: "2026-11-25", archived: true).map(\.id),
      [archivedMeanwhile.id])
  }

  func testDeletingAnHourKeepsClipsBeingRecordedAndOtherHours() throws {
    let doomed = try clip("front", startMs: firstMs)
    let open = try index.beginClip(cameraId: "front", startMs: secondMs)
    let nextHour = try clip("front", startMs: firstMs + 3_600_000)
    XCTAssertEqual(try index.deleteHour(cameraId: "front", day: "2026-11-25", hour: 21), 1)
    XCTAssertNil(try index.clip(id: doomed.id))
    for kept in [open, nextHour] {
      XCTAssertNotNil(try index.clip(id: kept.id))
      XCTAssertTrue(directory.exists(kept.file))
    }
  }

  func testOneClipIsDeletedOnlyWhileItMeetsTheCondition() throws {
    let open = try index.beginClip(cameraId: "front", startMs: firstMs)
    XCTAssertFalse(try index.deleteClip(id: open.id, only: .complete), "still being recorded")
    XCTAssertNotNil(try index.clip(id: open.id))
    XCTAssertTrue(directory.exists(open.file))

    let archived = try index.archiveClip(id: try clip("front", startMs: secondMs).id)
    XCTAssertFalse(try index.deleteClip(id: archived.id, only: .unarchived))
    XCTAssertTrue(directory.exists(archived.file))
    // A user may delete an archived clip explicitly.
    XCTAssertTrue(try index.deleteClip(id: archived.id, only: .complete))
    XCTAssertNil(try index.clip(id: archived.id))
    XCTAssertFalse(directory.exists(archived.file))
    assertThrowsStorageError(
      try index.deleteClip(id: archived.id, only: .complete), .clipNotFound(id: archived.id))
  }

  func testReturnsOnlyTheRowsReallyDeletedOldestFirst() throws {
    let later = try clip("front", startMs: secondMs)
    let earlier = try clip("back", startMs: firstMs)
    let archived = try index.archiveClip(id: try clip("front", startMs: firstMs + 1_000).id)
    let deletion = try index.deleteClips(
      ids: [later.id, archived.id, earlier.id, 9_999], .unarchived)
    XCTAssertEqual(deletion.clips.map(\.id), [earlier.id, later.id])
    XCTAssertEqual(deletion.freedBytes, 2_000)
    XCTAssertTrue(directory.exists(archived.file))
  }
}
