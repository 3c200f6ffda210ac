// The export runner on real footage (H.264 written by ClipWriter) and the real index: exports run
// one at a time in the order asked, what a subscriber of the hub sees of them, a deletion that
// stops one, and a stop of the server that leaves none running.
import Foundation
import Storage
import TestSupport
import XCTest

@testable import VMSRuntime

final class ExportJobsTests: XCTestCase {
  /// 2026-12-07 14:02:00 UTC.
  static let t0: Int64 = 1_796_652_120_000

  /// Two 10 s segments of camera `door`, indexed as complete clips.
  func footage(_ storage: StorageFixture) throws {
    let files = try SyntheticFootage.write(
      directory: storage.path + "/footage", startMs: Self.t0, seconds: [10, 10])
    for file in files {
      let clip = try storage.index.beginClip(cameraId: "door", startMs: file.startMs)
      let target = try storage.index.absolutePath(of: clip.file)
      try? FileManager.default.removeItem(atPath: target)
      try FileManager.default.copyItem(atPath: file.path, toPath: target)
      let size = try FileManager.default.attributesOfItem(atPath: target)[.size] as! NSNumber
      try storage.index.finishClip(
        id: clip.id, endMs: file.startMs + file.durationMs, durationMs: file.durationMs,
        sizeBytes: size.int64Value, hasThumbnail: false)
    }
  }

  func testExportsRunInTheOrderAskedAndEveryChangeIsPublished() async throws {
    let storage = try StorageFixture()
    try footage(storage)
    let hub = runningHub()
    let events = await hub.subscribe()
    let jobs = ExportJobs(index: storage.index, hub: hub)
    let running = Task { await jobs.run() }
    let first = try storage.index.insertExport(
      cameraId: "door", startMs: Self.t0 + 1_500, endMs: Self.t0 + 18_500, createdMs: 1)
    let second = try storage.index.insertExport(
      cameraId: "door", startMs: Self.t0 + 12_000, endMs: Self.t0 + 14_000, createdMs: 2)
    jobs.enqueue(first)
    jobs.enqueue(second)

    var ended: [Int64] = []
    var seen: [ExportRecord] = []
    for await event in events {
      guard case .export(let record) = event else { continue }
      seen.append(record)
      if record.state != .running { ended.append(record.id) }
      if ended.count == 2 { break }
    }
    XCTAssertEqual(ended, [first.id, second.id], "one at a time, in order: \(seen)")
    for id in [first.id, second.id] {
      let row = try XCTUnwrap(try storage.index.export(id: id))
      XCTAssertEqual(row.state, .done, "\(row)")
      XCTAssertEqual(row.progress, 1)
      XCTAssertTrue(storage.exists("exports/\(id).mp4"))
      XCTAssertFalse(storage.exists("exports/\(id).mp4.partial"))
      let size =
        try FileManager.default.attributesOfItem(
          atPath: storage.dataPath + "/exports/\(id).mp4")[.size] as! NSNumber
      XCTAssertEqual(row.sizeBytes, size.int64Value)
    }
    XCTAssertEqual(seen.first?.state, .running, "queued: published running at once")
    running.cancel()
    await running.value
  }

  func testAStopLeavesNoExportRunningAndNoFile() async throws {
    let storage = try StorageFixture()
    try footage(storage)
    let hub = runningHub()
    let jobs = ExportJobs(index: storage.index, hub: hub)
    var queued: [ExportRecord] = []
    for created in Int64(1)...3 {
      let record = try storage.index.insertExport(
        cameraId: "door", startMs: Self.t0, endMs: Self.t0 + 20_000, createdMs: created)
      jobs.enqueue(record)
      queued.append(record)
    }
    // Stopped before it could start any: every queued export ends failed, as after a crash.
    let running = Task { await jobs.run() }
    running.cancel()
    await running.value
    for record in queued {
      let row = try XCTUnwrap(try storage.index.export(id: record.id))
      XCTAssertEqual(row.state, .failed)
      XCTAssertEqual(row.error, "interrupted by a restart: export again")
    }
    let files = try FileManager.default.contentsOfDirectory(atPath: storage.dataPath + "/exports")
    XCTAssertEqual(files, [])
  }

  func testADeletedExportIsNotMade() async throws {
    let storage = try StorageFixture()
    try footage(storage)
    let hub = runningHub()
    let events = await hub.subscribe()
    let jobs = ExportJobs(index: storage.index, hub: hub)
    let deleted = try storage.index.insertExport(
      cameraId: "door", startMs: Self.t0, endMs: Self.t0 + 20_000, createdMs: 1)
    let kept = try storage.index.insertExport(
      cameraId: "door", startMs: Self.t0, endMs: Self.t0 + 5_000, createdMs: 2)
    jobs.enqueue(deleted)
    jobs.enqueue(kept)
    // As the DELETE route does: the row, then the cancel.
    try storage.index.deleteExport(id: deleted.id)
    jobs.cancel(id: deleted.id)
    let running = Task { await jobs.run() }
    var removedSeen = false
    for await event in events {
      if case .exportRemoved(let id) = event, id == deleted.id { removedSeen = true }
      if case .export(let record) = event, record.id == kept.id, record.state != .running {
        XCTAssertEqual(record.state, .done)
        break
      }
    }
    XCTAssertTrue(removedSeen, "subscribers are told it is gone")
    XCTAssertFalse(storage.exists("exports/\(deleted.id).mp4"))
    XCTAssertFalse(storage.exists("exports/\(deleted.id).mp4.partial"))
    XCTAssertNil(try storage.index.export(id: deleted.id))
    running.cancel()
    await running.value
  }
}
