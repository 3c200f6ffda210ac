import Foundation
import GRDB
import XCTest

@testable import Storage

/// The index as the web server uses it (`AsyncClipIndex`: GRDB's async access, file work on the
/// caller's threads) keeps the blocking index's rules: the same rows, the same files, the same
/// refusals.
final class AsyncClipIndexTests: ClipIndexTestCase {
  private let baseMs = Instant.nov25At210304Ms

  private var store: AsyncClipIndex { AsyncClipIndex(index, files: CountingIO()) }

  func testQueriesAnswerAsTheBlockingOnes() async throws {
    let first = try clip("front", startMs: baseMs)
    try clip("front", startMs: Instant.nov26At0030Ms)
    try await index.rememberCameraNames(["front": "Porch"])
    let store = store
    let found = try await store.clip(id: first.id)
    let missing = try await store.clip(id: 999)
    let days = try await store.days(cameraId: "front")
    let clips = try await store.clips(cameraId: "front", day: "2026-11-25")
    let ids = try await store.cameraIds()
    let names = try await store.cameraNames()
    let usage = try await store.usage(cameraId: "front")
    let exist = try await store.exist([first.file, "recordings/front/none.mp4"])
    XCTAssertEqual(found, first)
    XCTAssertNil(missing)
    XCTAssertEqual(days, try index.days(cameraId: "front"))
    XCTAssertEqual(clips, try index.clips(cameraId: "front", day: "2026-11-25"))
    XCTAssertEqual(ids, ["front"])
    XCTAssertEqual(names, ["front": "Porch"])
    XCTAssertEqual(usage, try index.usage(cameraId: "front"))
    XCTAssertEqual(exist, [true, false])
  }

  func testArchivingMovesTheFilesAndTheRowOnTheGivenThreads() async throws {
    let record = try clip("front", startMs: baseMs)
    let io = CountingIO()
    let archived = try await AsyncClipIndex(index, files: io).archiveClip(id: record.id)
    XCTAssertTrue(archived.archived)
    XCTAssertTrue(archived.file.hasPrefix("archives/"), archived.file)
    XCTAssertTrue(directory.exists(archived.file))
    XCTAssertTrue(directory.exists(archived.thumbnail!))
    XCTAssertFalse(directory.exists(record.file), "the recordings copy is gone")
    XCTAssertFalse(directory.exists(record.thumbnail!))
    XCTAssertEqual(try index.clip(id: record.id), archived)
    XCTAssertGreaterThanOrEqual(io.calls, 2, "the links and the unlinks ran on the given threads")
    let again = try await store.archiveClip(id: record.id)
    XCTAssertEqual(again, archived, "archiving again changes nothing")
  }

  func testArchivingRefusesAClipBeingRecordedOrUnknown() async throws {
    let open = try index.beginClip(cameraId: "front", startMs: baseMs)
    do {
      _ = try await store.archiveClip(id: open.id)
      XCTFail("archived a clip being recorded")
    } catch {
      XCTAssertEqual(error as? ArchiveRefusal, .stillRecording(id: open.id))
    }
    do {
      _ = try await store.archiveClip(id: 999)
      XCTFail("archived an unknown clip")
    } catch {
      XCTAssertEqual(error as? StorageError, .clipNotFound(id: 999))
    }
  }

  func testDeletionsKeepTheirConditionsAndRemoveTheFiles() async throws {
    let doomed = try clip("front", startMs: baseMs)
    let open = try index.beginClip(cameraId: "front", startMs: baseMs + 60_000)
    let store = store
    let kept = try await store.deleteClip(id: open.id, only: .complete)
    XCTAssertFalse(kept, "a clip being recorded is not complete: kept")
    XCTAssertNotNil(try index.clip(id: open.id))
    let deleted = try await store.deleteClip(id: doomed.id, only: .complete)
    XCTAssertTrue(deleted)
    XCTAssertNil(try index.clip(id: doomed.id))
    XCTAssertFalse(directory.exists(doomed.file))
    XCTAssertFalse(directory.exists(doomed.thumbnail!))
    do {
      try await store.deleteClip(id: doomed.id, only: .complete)
      XCTFail("deleted a clip twice")
    } catch {
      XCTAssertEqual(error as? StorageError, .clipNotFound(id: doomed.id))
    }
  }

  func testAnHourAndAFootageGoAsWithTheBlockingIndex() async throws {
    // 21:03:04 and 21:13:04 are in hour 21; 22:03:04 is not.
    let inHour = try [0, 600].map { try clip("front", startMs: baseMs + Int64($0) * 1000) }
    let nextHour = try clip("front", startMs: baseMs + 3_600_000)
    let archived = try index.archiveClip(id: try clip("front", startMs: baseMs + 1_200_000).id)
    let store = store
    let deleted = try await store.deleteHour(cameraId: "front", day: "2026-11-25", hour: 21)
    XCTAssertEqual(deleted, 2)
    for clip in inHour { XCTAssertFalse(directory.exists(clip.file)) }
    XCTAssertNotNil(try index.clip(id: archived.id), "archives are never in a deleted hour")

    let footage = try await store.deleteFootage(
      cameraId: "front", includeArchives: false, pruneEmptyFolders: false)
    XCTAssertEqual(footage.deletedClips, 1)
    XCTAssertEqual(footage.keptArchives, 1)
    XCTAssertNil(try index.clip(id: nextHour.id))
    let all = try await store.deleteFootage(
      cameraId: "front", includeArchives: true, pruneEmptyFolders: true)
    XCTAssertEqual(all.deletedClips, 1)
    XCTAssertEqual(try index.cameraIds(), [])
    XCTAssertFalse(FileManager.default.fileExists(atPath: directory.dataPath + "/archives/front"))
  }

  func testACommentIsStoredThroughTheWriterQueue() async throws {
    let record = try clip("front", startMs: baseMs)
    let updated = try await store.setComment(id: record.id, comment: "fox at the gate")
    XCTAssertEqual(updated.comment, "fox at the gate")
    XCTAssertEqual(try index.clip(id: record.id)?.comment, "fox at the gate")
    do {
      _ = try await store.setComment(id: 999, comment: "x")
      XCTFail("commented an unknown clip")
    } catch {
      XCTAssertEqual(error as? StorageError, .clipNotFound(id: 999))
    }
  }
}

/// File work on a thread made for each call, counted (tests only: nothing bounds the threads).
final class CountingIO: BlockingIO, @unchecked Sendable {
  private let lock = NSLock()
  private var count = 0

  var calls: Int { lock.withLock { count } }

  func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    lock.withLock { count += 1 }
    return try await withCheckedThrowingContinuation { continuation in
      Thread { continuation.resume(with: Result { try body() }) }.start()
    }
  }
}
