// The export runner on real footage (H.264 written by ClipWriter) and the real index: exports run
// one at a time in the order asked, what a subscriber of the hub sees of them, a deletion that
// stops one, and a stop of the server that leaves none running.
import Foundation
import Storage
import Synchronization
import TestSupport
import XCTest

@testable import VMSRuntime

final class ExportJobsTests: XCTestCase {
  /// 2026-12-07 14:02:00 UTC.
  static let t0: Int64 = 1_796_652_120_000

  /// Two 10 s segments of camera `door` (or `count`), indexed as complete clips.
  func footage(_ storage: StorageFixture, count: Int = 2) throws {
    let files = try SyntheticFootage.write(
      directory: storage.path + "/footage", startMs: Self.t0,
      seconds: Array(repeating: 10, count: count))
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

    let secondId = second.id
    let collected = await elements(of: events) {
      if case .export(let record) = $0 { return record.id == secondId && record.state != .running }
      return false
    }
    let seen = try XCTUnwrap(collected, "both exports end within a minute").compactMap {
      if case .export(let record) = $0 { return record }
      return nil
    }
    let ended = seen.filter { $0.state != .running }.map(\.id)
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
    let keptId = kept.id
    let collected = await elements(of: events) {
      if case .export(let record) = $0 { return record.id == keptId && record.state != .running }
      return false
    }
    let seen = try XCTUnwrap(collected, "the kept export ends within a minute")
    if case .export(let record) = seen.last { XCTAssertEqual(record.state, .done) }
    let removedSeen = seen.contains {
      if case .exportRemoved(let id) = $0 { return id == deleted.id }
      return false
    }
    XCTAssertTrue(removedSeen, "subscribers are told it is gone")
    XCTAssertFalse(storage.exists("exports/\(deleted.id).mp4"))
    XCTAssertFalse(storage.exists("exports/\(deleted.id).mp4.partial"))
    XCTAssertNil(try storage.index.export(id: deleted.id))
    running.cancel()
    await running.value
  }

  /// Runs `jobs` until export `id` ends; its last published state.
  func runUntilEnd(of id: Int64, _ jobs: ExportJobs, events: AsyncStream<StatusEvent>) async throws
    -> ExportRecord
  {
    let running = Task { await jobs.run() }
    let seen = await elements(of: events) {
      if case .export(let record) = $0 { return record.id == id && record.state != .running }
      return false
    }
    running.cancel()
    await running.value
    let last = seen?.last.flatMap { event -> ExportRecord? in
      if case .export(let record) = event { return record }
      return nil
    }
    return try XCTUnwrap(last, "export \(id) ends within a minute")
  }

  func testAnExportThatWouldEatIntoTheReserveFailsAtOnceAndLeavesNoFile() async throws {
    let storage = try StorageFixture()
    try footage(storage)
    let clips = try storage.index.footage(
      cameraId: "door", startMs: Self.t0, endMs: Self.t0 + 20_000, nowMs: Self.t0 + 60_000)
    let clipBytes = clips[0].sizeBytes
    // 1 GB reserve; above it, room for one clip and a half, not for two.
    let reserve: Int64 = 1_000_000_000
    let room = ExportJobs.Room(
      pressure: DiskPressure(), minFreeBytes: reserve,
      diskSpace: { _ in
        DiskSpace(freeBytes: reserve + clipBytes * 3 / 2, totalBytes: 100_000_000_000)
      })
    let hub = runningHub()
    let events = await hub.subscribe()
    let jobs = ExportJobs(index: storage.index, hub: hub, room: room)
    let tooBig = try storage.index.insertExport(
      cameraId: "door", startMs: Self.t0, endMs: Self.t0 + 20_000, createdMs: 1)
    // Half of each clip: about one clip's size, which fits.
    let fits = try storage.index.insertExport(
      cameraId: "door", startMs: Self.t0 + 5_000, endMs: Self.t0 + 15_000, createdMs: 2)
    jobs.enqueue(tooBig)
    jobs.enqueue(fits)
    let ended = try await runUntilEnd(of: fits.id, jobs, events: events)
    XCTAssertEqual(ended.state, .done, "\(ended)")
    let failed = try XCTUnwrap(try storage.index.export(id: tooBig.id))
    let needed = ExportJobs.estimatedBytes(
      of: clips, from: Self.t0, to: Self.t0 + 20_000, nowMs: Self.t0 + 60_000)
    XCTAssertGreaterThan(needed, clipBytes * 3 / 2)
    XCTAssertEqual(failed.state, .failed)
    XCTAssertEqual(
      failed.error,
      "the export needs about \(ByteText.of(needed)) but only \(ByteText.of(clipBytes * 3 / 2)) is free above the reserve: free space or delete old exports, then export again"
    )
    XCTAssertFalse(storage.exists("exports/\(tooBig.id).mp4"))
    XCTAssertFalse(storage.exists("exports/\(tooBig.id).mp4.partial"))
  }

  func testTheEstimateCountsPartlyCoveredClipsInProportion() throws {
    let storage = try StorageFixture()
    try footage(storage)
    let clips = try storage.index.footage(
      cameraId: "door", startMs: Self.t0, endMs: Self.t0 + 20_000, nowMs: Self.t0 + 60_000)
    let whole = ExportJobs.estimatedBytes(
      of: clips, from: Self.t0 - 5_000, to: Self.t0 + 30_000, nowMs: Self.t0 + 60_000)
    XCTAssertEqual(whole, clips[0].sizeBytes + clips[1].sizeBytes)
    let quarter = ExportJobs.estimatedBytes(
      of: [clips[0]], from: Self.t0 + 7_500, to: Self.t0 + 30_000, nowMs: Self.t0 + 60_000)
    XCTAssertEqual(
      Double(quarter),
      Double(clips[0].sizeBytes) * Double(clips[0].durationMs - 7_500)
        / Double(clips[0].durationMs),
      accuracy: 2)
  }

  func testNoExportStartsWhileRecordingIsPausedForSpace() async throws {
    let storage = try StorageFixture()
    try footage(storage)
    let pressure = DiskPressure()
    pressure.set(paused: true, reason: "disk full: 1.0 GB free")
    let hub = runningHub()
    let events = await hub.subscribe()
    let jobs = ExportJobs(
      index: storage.index, hub: hub, room: .init(pressure: pressure, minFreeBytes: 0))
    let record = try storage.index.insertExport(
      cameraId: "door", startMs: Self.t0, endMs: Self.t0 + 5_000, createdMs: 1)
    jobs.enqueue(record)
    let ended = try await runUntilEnd(of: record.id, jobs, events: events)
    XCTAssertEqual(ended.state, .failed)
    XCTAssertEqual(
      ended.error,
      "recording is paused for lack of space (disk full: 1.0 GB free): free space or delete old exports, then export again"
    )
    XCTAssertEqual(
      try FileManager.default.contentsOfDirectory(atPath: storage.dataPath + "/exports"), [])
  }

  func testCancellingTheTaskStopsTheExportUnderWay() async throws {
    let storage = try StorageFixture()
    try footage(storage)
    let hub = runningHub()
    // The task running the queue is cancelled once the export is under way (the runner asks the
    // clock while it reads the footage, before copying): not a graceful shutdown, the task itself,
    // as a parent task would cancel it.
    let runner = Mutex<Task<Void, Never>?>(nil)
    let jobs = ExportJobs(
      index: storage.index, hub: hub,
      nowMs: {
        runner.withLock { $0?.cancel() }
        return Self.t0 + 3_600_000
      })
    let running = Task { await jobs.run() }
    runner.withLock { $0 = running }
    let record = try storage.index.insertExport(
      cameraId: "door", startMs: Self.t0, endMs: Self.t0 + 20_000, createdMs: 1)
    jobs.enqueue(record)  // queued once the runner is known, so the clock can cancel it
    let ended = await ends(running, within: .seconds(60))
    XCTAssertTrue(ended, "the runner stops within a minute")
    let row = try XCTUnwrap(try storage.index.export(id: record.id))
    XCTAssertEqual(row.state, .failed, "stopped, not finished: \(row)")
    XCTAssertEqual(row.error, "interrupted by a restart: export again")
    XCTAssertEqual(
      try FileManager.default.contentsOfDirectory(atPath: storage.dataPath + "/exports"), [])
  }
}
