import Foundation
import Logging
import ServiceLifecycle
import ServiceLifecycleTestKit
import Storage
import Synchronization
import TestSupport
import XCTest

@testable import VMSRuntime

final class StorageJanitorTests: XCTestCase {
  private let day = StorageFixture.dayMs

  private func janitor(
    _ fixture: StorageFixture, _ policy: RetentionPolicy, disk: FakeDisk? = nil,
    onPressureChange: (@Sendable (String?) -> Void)? = nil, interval: Duration = .seconds(300)
  ) -> StorageJanitor {
    let fakeDisk = disk ?? FakeDisk(index: fixture.index, totalBytes: 1 << 40, otherBytes: 0)
    return StorageJanitor(
      index: fixture.index, policy: policy, log: testLog, nowMs: { StorageFixture.nowMs },
      diskSpace: fakeDisk.probe, interval: interval, pressureInterval: .milliseconds(50),
      onPressureChange: onPressureChange)
  }

  func testRetentionDeletesExactlyTheClipsOlderThanTheirCamerasDaysAndKeepsArchives() throws {
    let fixture = try StorageFixture()
    // front keeps 3 days, back uses the default (5), gone was removed from the config (default too),
    // forever keeps everything (0).
    let policy = RetentionPolicy(
      defaultRetentionDays: 5, retentionDaysByCamera: ["front": 3, "back": 5, "forever": 0])
    var expected = Set<Int64>()
    var kept = Set<Int64>()
    for (camera, days) in [("front", 3), ("back", 5), ("gone", 5), ("forever", 0)] {
      for ageDays in [1, 2, 4, 6, 10, 400] {
        let clip = try fixture.clip(camera, endedAgoMs: Int64(ageDays) * day)
        if days > 0 && ageDays > days { expected.insert(clip.id) } else { kept.insert(clip.id) }
      }
      // Just inside and just outside the limit, to the millisecond.
      if days > 0 {
        kept.insert(try fixture.clip(camera, endedAgoMs: Int64(days) * day - 1).id)
        expected.insert(try fixture.clip(camera, endedAgoMs: Int64(days) * day + 1).id)
      }
    }
    // Old archives of every camera, and an old clip still being recorded, are kept.
    var archives: [ClipRecord] = []
    for camera in ["front", "back", "gone"] {
      let clip = try fixture.clip(camera, endedAgoMs: 30 * day)
      archives.append(try fixture.archive(clip))
      kept.insert(clip.id)
    }
    let open = try fixture.index.beginClip(
      cameraId: "front", startMs: StorageFixture.nowMs - 20 * day)
    kept.insert(open.id)
    let doomedFiles = try expected.map { try XCTUnwrap(try fixture.index.clip(id: $0)).file }

    let janitor = janitor(fixture, policy)
    let report = try awaitResult { await janitor.runPass() }
    XCTAssertEqual(report.expiredClips, expected.count)
    XCTAssertEqual(report.quotaClips + report.freeSpaceClips, 0)
    XCTAssertEqual(report.freedBytes, Int64(expected.count) * 1_000)
    XCTAssertEqual(report.errors, [])
    XCTAssertEqual(try fixture.ids(), kept)
    XCTAssertNotNil(try fixture.index.clip(id: open.id))
    for file in doomedFiles { XCTAssertFalse(fixture.exists(file), file) }
    for archive in archives {
      XCTAssertTrue(fixture.exists(archive.file), archive.file)
      XCTAssertEqual(try fixture.index.clip(id: archive.id)?.archived, true)
    }
    // A second pass finds nothing more.
    XCTAssertEqual(try awaitResult { await janitor.runPass() }.deletedClips, 0)
  }

  func testQuotaBringsRecordingsUnderMaxBytesOldestFirstAcrossCameras() throws {
    let fixture = try StorageFixture()
    // Interleaved ages across three cameras, 1,000 bytes each: 30 clips, 30,000 bytes.
    var byAge: [(age: Int64, id: Int64)] = []
    for n in 0..<30 {
      let camera = ["a", "b", "c"][n % 3]
      let age = Int64((n * 7) % 30) * 3_600_000 + 60_000
      byAge.append((age, try fixture.clip(camera, endedAgoMs: age).id))
    }
    // An old archive is neither counted against the quota nor deleted.
    let archive = try fixture.archive(try fixture.clip("a", endedAgoMs: 90 * day, sizeBytes: 5_000))
    let policy = RetentionPolicy(defaultRetentionDays: 0, maxBytes: 12_500)

    let janitor = janitor(fixture, policy)
    let report = try awaitResult { await janitor.runPass() }
    // 30,000 -> at most 12,500: the 18 oldest go (17 would leave 13,000).
    XCTAssertEqual(report.quotaClips, 18)
    XCTAssertEqual(try fixture.index.recordingsBytes(), 12_000)
    let oldestFirst = byAge.sorted { $0.age > $1.age }.map(\.id)
    XCTAssertEqual(try fixture.ids(), Set(oldestFirst.suffix(12)).union([archive.id]))
    XCTAssertTrue(fixture.exists(archive.file))
  }

  func testFreeSpacePressurePausesWhenNothingIsDeletableAndResumes() throws {
    let fixture = try StorageFixture()
    let disk = FakeDisk(index: fixture.index, totalBytes: 100_000, otherBytes: 80_000)
    for age in 1...5 { try fixture.clip("a", endedAgoMs: Int64(age) * 60_000, sizeBytes: 2_000) }
    let archive = try fixture.archive(try fixture.clip("a", endedAgoMs: day, sizeBytes: 3_000))
    let changes = Mutex<[String?]>([])
    let janitor = janitor(
      fixture, RetentionPolicy(defaultRetentionDays: 0, minFreeBytes: 15_000), disk: disk,
      onPressureChange: { reason in changes.withLock { $0.append(reason) } })

    // 100,000 - 80,000 - 13,000 = 7,000 free: 4 clips (8,000 bytes) reach 15,000.
    var report = try awaitResult { await janitor.runPass() }
    XCTAssertEqual(report.freeSpaceClips, 4)
    XCTAssertEqual(report.freeBytes, 15_000)
    XCTAssertFalse(report.paused)
    XCTAssertFalse(janitor.pressure.isPaused)

    // Another program fills the disk: the last recording goes, then only the archive is left.
    disk.setOtherBytes(90_000)
    report = try awaitResult { await janitor.runPass() }
    XCTAssertEqual(report.freeSpaceClips, 1)
    XCTAssertTrue(report.paused)
    XCTAssertTrue(janitor.pressure.isPaused)
    let reason = try XCTUnwrap(janitor.pressure.reason)
    XCTAssertTrue(reason.hasPrefix("disk full: "), reason)
    XCTAssertTrue(reason.contains("free on the data disk"), reason)
    XCTAssertTrue(fixture.exists(archive.file))
    XCTAssertEqual(try fixture.index.clip(id: archive.id)?.archived, true)

    // Still full: stays paused, announced once.
    XCTAssertTrue(try awaitResult { await janitor.runPass() }.paused)
    // Space returns: recording resumes by itself.
    disk.setOtherBytes(50_000)
    report = try awaitResult { await janitor.runPass() }
    XCTAssertFalse(report.paused)
    XCTAssertFalse(janitor.pressure.isPaused)
    XCTAssertNil(janitor.pressure.reason)
    let announced = changes.withLock { $0 }
    XCTAssertEqual(announced.count, 2, "\(announced)")
    XCTAssertNotNil(announced.first ?? nil)
    XCTAssertNil(announced.last ?? "not nil")
  }

  func testAMinimumLargerThanTheDiskIsIgnoredRatherThanPurgingEverything() throws {
    let fixture = try StorageFixture()
    let disk = FakeDisk(index: fixture.index, totalBytes: 10_000, otherBytes: 0)
    try fixture.clip("a", endedAgoMs: 60_000)
    let janitor = janitor(
      fixture, RetentionPolicy(defaultRetentionDays: 0, minFreeBytes: 20_000), disk: disk)
    let report = try awaitResult { await janitor.runPass() }
    XCTAssertEqual(report.deletedClips, 0)
    XCTAssertFalse(report.paused)
    XCTAssertEqual(report.errors.count, 1)
    XCTAssertTrue(report.errors[0].contains("lower storage.min_free_bytes"), report.errors[0])
  }

  func testAStandingProblemIsLoggedOnceNotAtEveryPass() throws {
    let fixture = try StorageFixture()
    let disk = FakeDisk(index: fixture.index, totalBytes: 10_000, otherBytes: 0)
    let lines = LogLines()
    let janitor = StorageJanitor(
      index: fixture.index, policy: RetentionPolicy(defaultRetentionDays: 0, minFreeBytes: 20_000),
      log: lines.logger, nowMs: { StorageFixture.nowMs }, diskSpace: disk.probe)
    for _ in 0..<3 { XCTAssertEqual(try awaitResult { await janitor.runPass() }.errors.count, 1) }
    XCTAssertEqual(lines.at(.error).count, 1, "\(lines.at(.error))")
    // Fixed by a reload: said once that it is over; a new occurrence is logged again.
    try awaitResult {
      await janitor.update(policy: RetentionPolicy(defaultRetentionDays: 0, minFreeBytes: 5_000))
    }
    XCTAssertEqual(try awaitResult { await janitor.runPass() }.errors, [])
    XCTAssertEqual(lines.at(.notice).filter { $0.contains("no longer the case") }.count, 1)
  }

  func testNudgeRunsAPassAtOnceAndCancellationStopsTheLoop() throws {
    let fixture = try StorageFixture()
    let janitor = janitor(
      fixture, RetentionPolicy(defaultRetentionDays: 1), interval: .seconds(3_600))
    let running = Task { await janitor.run() }
    defer { running.cancel() }
    // The first pass at start finds nothing; a clip that expires afterwards goes on the next nudge.
    Thread.sleep(forTimeInterval: 0.2)
    let old = try fixture.clip("a", endedAgoMs: 2 * day)
    janitor.nudge()
    let deadline = Date().addingTimeInterval(5)
    while try fixture.index.clip(id: old.id) != nil && Date() < deadline {
      Thread.sleep(forTimeInterval: 0.02)
    }
    XCTAssertNil(try fixture.index.clip(id: old.id))
    running.cancel()
    let stopped = expectation(description: "run returns after cancellation")
    Task {
      await running.value
      stopped.fulfill()
    }
    wait(for: [stopped], timeout: 5)
  }

  /// Under a ServiceGroup (`vms serve`): the janitor works until graceful shutdown, then its
  /// service returns promptly, even with its periodic pass an hour away.
  func testTheServiceWorksUntilGracefulShutdownThenEnds() async throws {
    let fixture = try StorageFixture()
    let janitor = janitor(
      fixture, RetentionPolicy(defaultRetentionDays: 1), interval: .seconds(3_600))
    try await testGracefulShutdown { shutdown in
      let running = Task { await janitor.run() }
      let old = try fixture.clip("a", endedAgoMs: 2 * day)
      janitor.nudge()
      let deadline = ContinuousClock.now + .seconds(5)
      while try fixture.index.clip(id: old.id) != nil, ContinuousClock.now < deadline {
        try await Task.sleep(for: .milliseconds(20))
      }
      XCTAssertNil(try fixture.index.clip(id: old.id), "the running service deletes on a nudge")
      shutdown.triggerGracefulShutdown()
      let stopped = await ends(running, within: .seconds(5))
      XCTAssertTrue(stopped, "run() returns on graceful shutdown")
      // Stopped means stopped: a clip that expires now stays.
      let later = try fixture.clip("a", endedAgoMs: 3 * day)
      janitor.nudge()
      try await Task.sleep(for: .milliseconds(300))
      XCTAssertNotNil(try fixture.index.clip(id: later.id))
    }
  }

  /// The outlook the API shows (through GRDB's async access and a thread for statvfs) is the one
  /// the blocking variant computes.
  func testTheAsyncOutlookIsTheBlockingOne() async throws {
    let fixture = try StorageFixture()
    for hour in [1, 5, 30] { try fixture.clip("a", endedAgoMs: Int64(hour) * 3_600_000) }
    try fixture.clip("b", endedAgoMs: 2 * day, sizeBytes: 2_000)
    let disk = FakeDisk(index: fixture.index, totalBytes: 1 << 40, otherBytes: 0)
    let policy = RetentionPolicy(
      defaultRetentionDays: 30, retentionDaysByCamera: ["a": 2, "c": 4], maxBytes: 50_000)
    let blocking = try StorageOutlook.compute(
      index: fixture.index, policy: policy, nowMs: StorageFixture.nowMs, diskSpace: disk.probe)
    let concurrent = try await StorageOutlook.compute(
      index: AsyncClipIndex(fixture.index, files: ThreadPerCallIO()), policy: policy,
      nowMs: StorageFixture.nowMs, diskSpace: disk.probe)
    XCTAssertEqual(concurrent, blocking)
    XCTAssertEqual(concurrent.cameras.map(\.cameraId), ["a", "b", "c"])
  }

  func testOutlookProjectsTheHorizonFromTheRecentBitrate() throws {
    let fixture = try StorageFixture()
    // Last 24 h: a records 4,000 bytes, b 6,000: 10,000 bytes a day.
    for hour in [1, 5, 9, 13] { try fixture.clip("a", endedAgoMs: Int64(hour) * 3_600_000) }
    for hour in [2, 6, 10] {
      try fixture.clip("b", endedAgoMs: Int64(hour) * 3_600_000, sizeBytes: 2_000)
    }
    let oldest = try fixture.clip("a", endedAgoMs: 3 * day)
    let disk = FakeDisk(index: fixture.index, totalBytes: 1 << 40, otherBytes: 0)
    let policy = RetentionPolicy(
      defaultRetentionDays: 30, retentionDaysByCamera: ["a": 2, "b": 0], maxBytes: 50_000)
    let outlook = try StorageOutlook.compute(
      index: fixture.index, policy: policy, nowMs: StorageFixture.nowMs, diskSpace: disk.probe)
    XCTAssertEqual(outlook.bytesPerDay, 10_000)
    XCTAssertEqual(outlook.recordingsBytes, 11_000)
    XCTAssertEqual(outlook.budgetBytes, 50_000)
    XCTAssertEqual(outlook.budgetHorizonDays, 5)
    let a = try XCTUnwrap(outlook.cameras.first { $0.cameraId == "a" })
    XCTAssertEqual(a.horizonDays, 2, "its own retention is shorter than the quota's horizon")
    XCTAssertEqual(a.oldestDeletable?.id, oldest.id)
    XCTAssertEqual(a.usage.recordingsBytes, 5_000)
    let b = try XCTUnwrap(outlook.cameras.first { $0.cameraId == "b" })
    XCTAssertEqual(b.horizonDays, 5, "kept forever by days, so the quota decides")
    XCTAssertEqual(b.bytesPerDay, 6_000)
    XCTAssertNil(StorageOutlook.horizonDays(budgetBytes: nil, bytesPerDay: 10))
    XCTAssertEqual(
      StorageOutlook.budget(
        policy: RetentionPolicy(maxBytes: 0, minFreeBytes: 1_000), recordingsBytes: 5_000,
        freeBytes: 3_000), 7_000)
  }
}

/// Runs an async body from a synchronous test and returns its value.
func awaitResult<T: Sendable>(
  timeout: TimeInterval = 30, _ body: @escaping @Sendable () async throws -> T
) throws -> T {
  let result = Mutex<Result<T, any Error>?>(nil)
  let done = DispatchSemaphore(value: 0)
  Task {
    let value: Result<T, any Error>
    do { value = .success(try await body()) } catch { value = .failure(error) }
    result.withLock { $0 = value }
    done.signal()
  }
  guard done.wait(timeout: .now() + timeout) == .success else {
    throw NSError(domain: "test", code: 1, userInfo: [NSLocalizedDescriptionKey: "timed out"])
  }
  return try result.withLock { $0! }.get()
}

/// A logger whose lines the test can read.
final class LogLines: @unchecked Sendable {
  private let lock = NSLock()
  private var lines: [(Logger.Level, String)] = []

  var logger: Logger {
    Logger(label: "vms.tests") { _ in Handler(sink: self) }
  }

  func at(_ level: Logger.Level) -> [String] {
    lock.lock()
    defer { lock.unlock() }
    return lines.filter { $0.0 == level }.map(\.1)
  }

  fileprivate func append(_ level: Logger.Level, _ message: String) {
    lock.lock()
    lines.append((level, message))
    lock.unlock()
  }

  private struct Handler: LogHandler {
    let sink: LogLines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
      get { metadata[key] }
      set { metadata[key] = newValue }
    }
    func log(
      level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
      file: String,
      function: String, line: UInt
    ) {
      sink.append(level, message.description)
    }
  }
}

/// Blocking work on a thread made for each call (tests only: nothing here bounds the threads).
struct ThreadPerCallIO: BlockingIO {
  func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
      Thread { continuation.resume(with: Result { try body() }) }.start()
    }
  }
}
