import Foundation
import GRDB
import XCTest

@testable import Storage

final class ClipLifecycleTests: ClipIndexTestCase {

  func testBeginInsertsARecordingRowAndReservesTheFile() throws {
    let clip = try index.beginClip(cameraId: "front-door", startMs: Instant.nov25At210304Ms + 250)
    XCTAssertEqual(clip.file, "recordings/front-door/2026-11-25/21-03-04.mp4")
    XCTAssertEqual(clip.thumbnail, "recordings/front-door/2026-11-25/21-03-04.jpg")
    XCTAssertEqual(clip.state, .recording)
    XCTAssertEqual(clip.startMs, Instant.nov25At210304Ms + 250)
    XCTAssertNil(clip.endMs)
    XCTAssertEqual(clip.durationMs, 0)
    XCTAssertEqual(clip.sizeBytes, 0)
    XCTAssertFalse(clip.archived)
    XCTAssertEqual(clip.comment, "")

    // The row is committed and visible to another connection before the recorder writes a byte.
    XCTAssertTrue(directory.exists(clip.file))
    let onDisk = try FileManager.default.attributesOfItem(atPath: index.absolutePath(of: clip.file))
    XCTAssertEqual(onDisk[.size] as? Int, 0)
    let row = try directory.rawDatabase().read { db in
      try Row.fetchOne(db, sql: "SELECT * FROM clip WHERE id = ?", arguments: [clip.id])
    }
    XCTAssertEqual(row?["state"], "recording")
    XCTAssertEqual(row?["camera_id"], "front-door")
    XCTAssertEqual(row?["file"], clip.file)
    XCTAssertEqual(try index.clip(id: clip.id), clip)
  }

  func testProgressThenFinish() throws {
    let clip = try index.beginClip(cameraId: "front-door", startMs: Instant.nov25At210304Ms)
    try index.updateProgress(
      id: clip.id, endMs: clip.startMs + 2_000, durationMs: 2_000, sizeBytes: 500_000)
    var current = try XCTUnwrap(try index.clip(id: clip.id))
    XCTAssertEqual(current.endMs, clip.startMs + 2_000)
    XCTAssertEqual(current.durationMs, 2_000)
    XCTAssertEqual(current.sizeBytes, 500_000)
    XCTAssertEqual(current.state, .recording)

    try index.updateProgress(
      id: clip.id, endMs: clip.startMs + 4_000, durationMs: 4_000, sizeBytes: 900_000)
    try index.finishClip(
      id: clip.id, endMs: clip.startMs + 15_040, durationMs: 15_040, sizeBytes: 3_000_000,
      hasThumbnail: true)
    current = try XCTUnwrap(try index.clip(id: clip.id))
    XCTAssertEqual(current.state, .complete)
    XCTAssertEqual(current.endMs, clip.startMs + 15_040)
    XCTAssertEqual(current.durationMs, 15_040)
    XCTAssertEqual(current.sizeBytes, 3_000_000)
    XCTAssertEqual(current.thumbnail, "recordings/front-door/2026-11-25/21-03-04.jpg")

    // A finished clip no longer moves.
    assertThrowsStorageError(
      try index.updateProgress(id: clip.id, endMs: 1, durationMs: 1, sizeBytes: 1),
      .clipNotRecording(id: clip.id))
    assertThrowsStorageError(
      try index.finishClip(id: clip.id, endMs: 1, durationMs: 1, sizeBytes: 1, hasThumbnail: true),
      .clipNotRecording(id: clip.id))
    XCTAssertEqual(try index.clip(id: clip.id), current)
  }

  func testFinishWithoutThumbnailStoresNull() throws {
    let clip = try index.beginClip(cameraId: "yard", startMs: Instant.nov25At210304Ms)
    try index.finishClip(
      id: clip.id, endMs: clip.startMs + 1_000, durationMs: 1_000, sizeBytes: 10,
      hasThumbnail: false)
    XCTAssertNil(try index.clip(id: clip.id)?.thumbnail)
    let stored = try directory.rawDatabase().read { db in
      try DatabaseValue.fetchOne(
        db, sql: "SELECT thumbnail FROM clip WHERE id = ?", arguments: [clip.id])
    }
    XCTAssertEqual(stored, .null)
  }

  func testUnknownClipIdsAreReported() throws {
    assertThrowsStorageError(
      try index.updateProgress(id: 42, endMs: 1, durationMs: 1, sizeBytes: 1), .clipNotFound(id: 42)
    )
    assertThrowsStorageError(
      try index.finishClip(id: 42, endMs: 1, durationMs: 1, sizeBytes: 1, hasThumbnail: false),
      .clipNotFound(id: 42))
    assertThrowsStorageError(try index.deleteClip(id: 42), .clipNotFound(id: 42))
    XCTAssertNil(try index.clip(id: 42))
  }

  func testClipsInStateListsWhatACrashLeftRecording() throws {
    let done = try index.beginClip(cameraId: "front-door", startMs: Instant.nov25At2330Ms)
    let interrupted = try index.beginClip(cameraId: "yard", startMs: Instant.nov25At210304Ms)
    try index.finishClip(
      id: done.id, endMs: done.startMs + 1, durationMs: 1, sizeBytes: 1, hasThumbnail: false)
    try index.close()

    index = try ClipIndex.open(dataDirectory: directory.dataPath, timeZone: paris)
    XCTAssertEqual(try index.clips(inState: .recording).map(\.id), [interrupted.id])
    XCTAssertEqual(try index.clips(inState: .complete).map(\.id), [done.id])
  }

  func testSameSecondGetsASuffixAndNothingIsOverwritten() throws {
    let first = try index.beginClip(cameraId: "front-door", startMs: Instant.nov25At210304Ms)
    try directory.write(100, to: first.file)
    let second = try index.beginClip(cameraId: "front-door", startMs: Instant.nov25At210304Ms + 400)
    let third = try index.beginClip(cameraId: "front-door", startMs: Instant.nov25At210304Ms + 999)
    let otherCamera = try index.beginClip(cameraId: "yard", startMs: Instant.nov25At210304Ms)
    let nextSecond = try index.beginClip(
      cameraId: "front-door", startMs: Instant.nov25At210304Ms + 1_000)

    XCTAssertEqual(second.file, "recordings/front-door/2026-11-25/21-03-04-1.mp4")
    XCTAssertEqual(second.thumbnail, "recordings/front-door/2026-11-25/21-03-04-1.jpg")
    XCTAssertEqual(third.file, "recordings/front-door/2026-11-25/21-03-04-2.mp4")
    XCTAssertEqual(otherCamera.file, "recordings/yard/2026-11-25/21-03-04.mp4")
    XCTAssertEqual(nextSecond.file, "recordings/front-door/2026-11-25/21-03-05.mp4")
    let size = try FileManager.default.attributesOfItem(atPath: index.absolutePath(of: first.file))[
      .size]
    XCTAssertEqual(size as? Int, 100, "the first clip's bytes must survive")
  }

  func testFallBackHourReusesLocalTimesWithoutCollision() throws {
    // 02:30 happens twice on 2026-10-25 in Paris: the second clip must not take the first one's name.
    let first = try index.beginClip(cameraId: "front-door", startMs: Instant.oct25At0230FirstMs)
    let second = try index.beginClip(cameraId: "front-door", startMs: Instant.oct25At0230SecondMs)
    XCTAssertEqual(first.file, "recordings/front-door/2026-10-25/02-30-00.mp4")
    XCTAssertEqual(second.file, "recordings/front-door/2026-10-25/02-30-00-1.mp4")
  }

  func testFilesWithoutARowAreNeverReused() throws {
    // Left by a crash (or awaiting adoption): a video without a row, an archived clip, a lone thumbnail.
    for relative in [
      "recordings/front-door/2026-11-25/21-03-04.mp4",
      "archives/front-door/2026-11-25/21-03-04-1.mp4",
      "recordings/front-door/2026-11-25/21-03-04-2.jpg",
    ] {
      try FileManager.default.createDirectory(
        atPath: (directory.dataPath + "/" + relative as NSString).deletingLastPathComponent,
        withIntermediateDirectories: true)
      try directory.write(7, to: relative)
    }
    let clip = try index.beginClip(cameraId: "front-door", startMs: Instant.nov25At210304Ms)
    XCTAssertEqual(clip.file, "recordings/front-door/2026-11-25/21-03-04-3.mp4")
  }

  func testConcurrentBeginsFromManyThreadsGetDistinctFiles() throws {
    let index = self.index!
    let results = ConcurrentResults()
    DispatchQueue.concurrentPerform(iterations: 24) { iteration in
      do {
        let clip = try index.beginClip(
          cameraId: "front-door", startMs: Instant.nov25At210304Ms + Int64(iteration))
        results.append(clip.file)
      } catch {
        results.fail("\(error)")
      }
    }
    XCTAssertEqual(results.failures, [])
    XCTAssertEqual(Set(results.files).count, 24)
    XCTAssertTrue(results.files.contains("recordings/front-door/2026-11-25/21-03-04-23.mp4"))
  }

  func testInvalidCameraIdsAreRejectedEverywhere() throws {
    let invalid = [
      "../x", "a/b", "A", "", "cam\0era", ".", "..", "a b", "caméra", "x\n",
      String(repeating: "a", count: 65),
    ]
    for cameraId in invalid {
      assertThrowsStorageError(
        try index.beginClip(cameraId: cameraId, startMs: Instant.nov25At210304Ms),
        .invalidCameraId(cameraId))
      assertThrowsStorageError(
        try index.clips(cameraId: cameraId, day: "2026-11-25"), .invalidCameraId(cameraId))
      assertThrowsStorageError(try index.days(cameraId: cameraId), .invalidCameraId(cameraId))
      assertThrowsStorageError(try index.usage(cameraId: cameraId), .invalidCameraId(cameraId))
    }
    XCTAssertEqual(
      try FileManager.default.contentsOfDirectory(atPath: directory.dataPath + "/recordings"), [])
    XCTAssertEqual(try index.cameraIds(), [])
    XCTAssertNoThrow(try index.beginClip(cameraId: String(repeating: "a", count: 64), startMs: 0))
    XCTAssertNoThrow(try index.beginClip(cameraId: "cam_2-b", startMs: 0))
  }

  func testDeleteRemovesTheRowThenTheFiles() throws {
    let clip = try index.beginClip(cameraId: "front-door", startMs: Instant.nov25At210304Ms)
    let kept = try index.beginClip(cameraId: "front-door", startMs: Instant.nov25At210304Ms)
    try directory.write(4096, to: clip.file)
    try directory.write(512, to: try XCTUnwrap(clip.thumbnail))
    try index.finishClip(
      id: clip.id, endMs: clip.startMs + 5_000, durationMs: 5_000, sizeBytes: 4096,
      hasThumbnail: true)

    try index.deleteClip(id: clip.id)
    XCTAssertNil(try index.clip(id: clip.id))
    XCTAssertFalse(directory.exists(clip.file))
    XCTAssertFalse(directory.exists(clip.thumbnail!))
    XCTAssertTrue(directory.exists(kept.file), "only the deleted clip's files go")
    let rows = try directory.rawDatabase().read { db in
      try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM clip WHERE id = ?", arguments: [clip.id])
    }
    XCTAssertEqual(rows, 0)
    assertThrowsStorageError(try index.deleteClip(id: clip.id), .clipNotFound(id: clip.id))
  }

  func testDeleteToleratesFilesAlreadyGone() throws {
    let clip = try index.beginClip(cameraId: "front-door", startMs: Instant.nov25At210304Ms)
    try index.finishClip(
      id: clip.id, endMs: clip.startMs, durationMs: 0, sizeBytes: 0, hasThumbnail: false)
    try FileManager.default.removeItem(atPath: index.absolutePath(of: clip.file))
    try index.deleteClip(id: clip.id)
    XCTAssertNil(try index.clip(id: clip.id))
  }

  func testARecordingClipCanBeDiscarded() throws {
    // What start-up repair does with a file that has nothing playable.
    let clip = try index.beginClip(cameraId: "front-door", startMs: Instant.nov25At210304Ms)
    try index.deleteClip(id: clip.id)
    XCTAssertNil(try index.clip(id: clip.id))
    XCTAssertFalse(directory.exists(clip.file))
    XCTAssertEqual(try index.clips(inState: .recording), [])
  }
}

/// Collects results from `concurrentPerform` workers.
private final class ConcurrentResults: @unchecked Sendable {
  private let lock = NSLock()
  private var storedFiles: [String] = []
  private var storedFailures: [String] = []

  func append(_ file: String) { lock.withLock { storedFiles.append(file) } }
  func fail(_ message: String) { lock.withLock { storedFailures.append(message) } }
  var files: [String] { lock.withLock { storedFiles } }
  var failures: [String] { lock.withLock { storedFailures } }
}
