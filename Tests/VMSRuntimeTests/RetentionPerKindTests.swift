// Retention per kind (`retention.continuous_days`, `retention.events_days`): the janitor deletes
// continuous segments that overlap no motion event first, keeps segments under an event and event
// clips until events_days, never archives; under disk pressure the segments outside events go
// before anything else; an event goes with the last of its footage.
import Foundation
import Storage
import VMSConfig
import XCTest

@testable import VMSRuntime

final class RetentionPerKindTests: XCTestCase {
  private let day = StorageFixture.dayMs

  /// A complete continuous segment of a minute that ended `ageMs` before the fixture's "now".
  private func segment(_ fixture: StorageFixture, _ camera: String, endedAgoMs ageMs: Int64)
    throws -> ClipRecord
  {
    let startMs = StorageFixture.nowMs - ageMs - 60_000
    let record = try fixture.index.beginClip(cameraId: camera, startMs: startMs, kind: .segment)
    try fixture.write(1_000, to: record.file)
    try fixture.index.finishClip(
      id: record.id, endMs: startMs + 60_000, durationMs: 60_000, sizeBytes: 1_000,
      hasThumbnail: false)
    return try XCTUnwrap(try fixture.index.clip(id: record.id))
  }

  /// A closed event of 10 s inside `clip`.
  @discardableResult
  private func event(_ fixture: StorageFixture, in clip: ClipRecord) throws -> MotionEventRecord {
    let open = try fixture.index.openEvent(
      cameraId: clip.cameraId, startMs: clip.startMs + 20_000, peakScore: 0,
      clipId: clip.kind == .event ? clip.id : nil)
    return try fixture.index.setEventEnd(open, endMs: clip.startMs + 30_000)
  }

  private func janitor(_ fixture: StorageFixture, _ policy: RetentionPolicy, free: Int64 = 1 << 40)
    -> StorageJanitor
  {
    let disk = FakeDisk(index: fixture.index, totalBytes: 1 << 41, otherBytes: (1 << 41) - free)
    return StorageJanitor(
      index: fixture.index, policy: policy, log: testLog, nowMs: { StorageFixture.nowMs },
      diskSpace: disk.probe, interval: .seconds(300), pressureInterval: .milliseconds(50))
  }

  private func pass(_ fixture: StorageFixture, _ policy: RetentionPolicy) throws
    -> StorageJanitor.PassReport
  {
    let janitor = janitor(fixture, policy)
    return try awaitResult { await janitor.runPass() }
  }

  func testContinuousFootageOutsideEventsGoesAtContinuousDaysTheRestAtEventsDays() throws {
    let fixture = try StorageFixture()
    let quiet3 = try segment(fixture, "yard", endedAgoMs: 3 * day)
    let busy3 = try segment(fixture, "yard", endedAgoMs: 3 * day + 120_000)
    let busy3Event = try event(fixture, in: busy3)
    let busy11 = try segment(fixture, "yard", endedAgoMs: 11 * day)
    let busy11Event = try event(fixture, in: busy11)
    let quiet1 = try segment(fixture, "yard", endedAgoMs: day)
    // Events mode: clips are event clips, kept until events_days.
    let clip3 = try fixture.clip("door", endedAgoMs: 3 * day)
    let clip3Event = try event(fixture, in: clip3)
    let clip12 = try fixture.clip("door", endedAgoMs: 12 * day)
    let clip12Event = try event(fixture, in: clip12)
    // An archived segment outside events is never deleted.
    let archived = try fixture.archive(try segment(fixture, "yard", endedAgoMs: 30 * day))

    let days = RetentionDays(continuousDays: 2, eventsDays: 10)
    let policy = RetentionPolicy(
      defaultRetentionDays: 14, defaultRetention: days, retentionByCamera: [:])
    let report = try pass(fixture, policy)

    XCTAssertEqual(report.expiredClips, 3)
    XCTAssertEqual(report.deletedEvents, 2)
    XCTAssertEqual(
      try fixture.ids(), [busy3.id, quiet1.id, clip3.id, archived.id],
      "quiet 3-day segment, busy 11-day segment and 12-day event clip gone")
    XCTAssertNotNil(try fixture.index.event(id: busy3Event.id))
    XCTAssertNotNil(try fixture.index.event(id: clip3Event.id))
    XCTAssertNil(try fixture.index.event(id: busy11Event.id), "went with its footage")
    XCTAssertNil(try fixture.index.event(id: clip12Event.id), "went with its clip")
    XCTAssertFalse(fixture.exists(quiet3.file))
    XCTAssertTrue(fixture.exists(archived.file))
  }

  func testEventsDaysShorterThanContinuousDaysNeverDeletesAnEventsSegmentBeforeTheQuietOnes()
    throws
  {
    let fixture = try StorageFixture()
    let busy = try segment(fixture, "yard", endedAgoMs: 5 * day)
    try event(fixture, in: busy)
    let quiet = try segment(fixture, "yard", endedAgoMs: 5 * day + 120_000)
    let policy = RetentionPolicy(
      defaultRetentionDays: 14,
      retentionByCamera: ["yard": RetentionDays(continuousDays: 7, eventsDays: 3)])
    _ = try pass(fixture, policy)
    XCTAssertEqual(try fixture.ids(), [busy.id, quiet.id])
  }

  func testUnderDiskPressureSegmentsOutsideEventsGoFirstEvenWhenNewer() throws {
    let fixture = try StorageFixture()
    // Oldest first: an event clip, a segment with an event, then two quiet segments.
    let oldClip = try fixture.clip("door", endedAgoMs: 9 * day)
    try event(fixture, in: oldClip)
    let busy = try segment(fixture, "yard", endedAgoMs: 8 * day)
    try event(fixture, in: busy)
    let quiet1 = try segment(fixture, "yard", endedAgoMs: 2 * day)
    let quiet2 = try segment(fixture, "yard", endedAgoMs: day)
    // 4,000 bytes recorded; the quota allows 2,000: the two quiet segments go, not the oldest.
    let policy = RetentionPolicy(defaultRetentionDays: 0, maxBytes: 2_000)
    let report = try pass(fixture, policy)
    XCTAssertEqual(report.quotaClips, 2)
    XCTAssertEqual(try fixture.ids(), [oldClip.id, busy.id])
    XCTAssertFalse(fixture.exists(quiet1.file))
    XCTAssertFalse(fixture.exists(quiet2.file))
    // Over the quota again: now the oldest of what is left.
    let tighter = RetentionPolicy(defaultRetentionDays: 0, maxBytes: 1_000)
    _ = try pass(fixture, tighter)
    XCTAssertEqual(try fixture.ids(), [busy.id])
  }
}
