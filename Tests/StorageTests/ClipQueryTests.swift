import Foundation
import GRDB
import XCTest

@testable import Storage

final class ClipQueryTests: ClipIndexTestCase {
  /// Rows without files: the queries read sizes from the index, and one test records 4 GB.
  @discardableResult
  private func completeClip(_ cameraId: String, _ startMs: Int64, sizeBytes: Int64 = 1_000)
    throws -> ClipRecord
  {
    let clip = try index.beginClip(cameraId: cameraId, startMs: startMs)
    try index.finishClip(
      id: clip.id, endMs: startMs + 10_000, durationMs: 10_000, sizeBytes: sizeBytes,
      hasThumbnail: true)
    return try XCTUnwrap(try index.clip(id: clip.id))
  }

  func testClipsAndDaysFollowTheLocalDayNotUTC() throws {
    // Both instants are on 2026-11-25 in UTC, but the second is after midnight in Paris.
    let late = try completeClip("front-door", Instant.nov26At0030Ms)
    let evening = try completeClip("front-door", Instant.nov25At2330Ms)
    let earlier = try completeClip("front-door", Instant.nov25At210304Ms)

    XCTAssertEqual(late.file, "recordings/front-door/2026-11-26/00-30-00.mp4")
    XCTAssertEqual(try index.days(cameraId: "front-door"), ["2026-11-25", "2026-11-26"])
    XCTAssertEqual(
      try index.clips(cameraId: "front-door", day: "2026-11-25").map(\.id),
      [earlier.id, evening.id],
      "ordered by start, not by insertion")
    XCTAssertEqual(try index.clips(cameraId: "front-door", day: "2026-11-26").map(\.id), [late.id])
    XCTAssertEqual(try index.clips(cameraId: "front-door", day: "2026-11-24"), [])
    XCTAssertEqual(try index.days(cameraId: "yard"), [])
  }

  func testTheSameIndexInAnotherZoneGroupsDifferently() throws {
    try completeClip("front-door", Instant.nov26At0030Ms)
    try index.close()
    index = try ClipIndex.open(
      dataDirectory: directory.dataPath, timeZone: TimeZone(identifier: "UTC")!)
    XCTAssertEqual(try index.days(cameraId: "front-door"), ["2026-11-25"])
    XCTAssertEqual(try index.clips(cameraId: "front-door", day: "2026-11-25").count, 1)
  }

  func testShortDaylightSavingDayHasItsLateClips() throws {
    XCTAssertEqual(
      try index.layout.msRange(ofDay: "2026-03-29"), Instant.mar29StartMs..<Instant.mar30StartMs)
    let late = try completeClip("front-door", Instant.mar29At2330Ms)
    let nextDay = try completeClip("front-door", Instant.mar30StartMs)
    XCTAssertEqual(late.file, "recordings/front-door/2026-03-29/23-30-00.mp4")
    XCTAssertEqual(try index.clips(cameraId: "front-door", day: "2026-03-29").map(\.id), [late.id])
    XCTAssertEqual(
      try index.clips(cameraId: "front-door", day: "2026-03-30").map(\.id), [nextDay.id])
    XCTAssertEqual(try index.days(cameraId: "front-door"), ["2026-03-29", "2026-03-30"])
  }

  func testDaysSpanMonthsAndSkipEmptyDays() throws {
    var expected: [String] = []
    for dayOffset in stride(from: 0, to: 60, by: 7) {
      let startMs = Instant.nov25At210304Ms + Int64(dayOffset) * 86_400_000
      try completeClip("front-door", startMs)
      try completeClip("front-door", startMs + 60_000)
      expected.append(index.layout.localDay(ofMs: startMs))
    }
    XCTAssertEqual(expected.first, "2026-11-25")
    XCTAssertEqual(expected.last, "2027-01-20")
    XCTAssertEqual(try index.days(cameraId: "front-door"), expected)
  }

  func testArchivedFilter() throws {
    let kept = try completeClip("front-door", Instant.nov25At210304Ms)
    let archived = try completeClip("front-door", Instant.nov25At2330Ms)
    let otherDay = try completeClip("front-door", Instant.nov26At0030Ms)
    try markArchived(archived.id)

    XCTAssertEqual(
      try index.clips(cameraId: "front-door", day: "2026-11-25", archived: true).map(\.id),
      [archived.id])
    XCTAssertEqual(
      try index.clips(cameraId: "front-door", day: "2026-11-25", archived: false).map(\.id),
      [kept.id])
    XCTAssertEqual(
      try index.clips(cameraId: "front-door", day: "2026-11-25", archived: nil).count, 2)
    XCTAssertTrue(try XCTUnwrap(try index.clip(id: archived.id)).archived)
    XCTAssertEqual(try index.days(cameraId: "front-door", archived: true), ["2026-11-25"])
    XCTAssertEqual(
      try index.days(cameraId: "front-door", archived: false), ["2026-11-25", "2026-11-26"])
    _ = otherDay
  }

  func testUsageSumsRecordingsAndArchivesApartPerCamera() throws {
    try completeClip("front-door", Instant.nov25At210304Ms, sizeBytes: 1_000)
    try completeClip("front-door", Instant.nov25At2330Ms, sizeBytes: 20_000)
    let archived = try completeClip("front-door", Instant.nov26At0030Ms, sizeBytes: 300_000)
    try completeClip("yard", Instant.nov25At210304Ms, sizeBytes: 4_000_000_000)
    try markArchived(archived.id)
    let live = try index.beginClip(cameraId: "front-door", startMs: Instant.nov26At0030Ms + 60_000)
    try index.updateProgress(id: live.id, endMs: live.startMs + 1, durationMs: 1, sizeBytes: 5)

    let frontDoor = try index.usage(cameraId: "front-door")
    XCTAssertEqual(frontDoor.recordingsBytes, 21_005)
    XCTAssertEqual(frontDoor.archivesBytes, 300_000)
    let yard = try index.usage(cameraId: "yard")
    XCTAssertEqual(yard.recordingsBytes, 4_000_000_000)
    XCTAssertEqual(yard.archivesBytes, 0)
    let none = try index.usage(cameraId: "gone")
    XCTAssertEqual(none.recordingsBytes, 0)
    XCTAssertEqual(none.archivesBytes, 0)
  }

  func testCameraIdsListsEveryCameraWithFootage() throws {
    XCTAssertEqual(try index.cameraIds(), [])
    try completeClip("yard", Instant.nov25At210304Ms)
    try completeClip("front-door", Instant.nov25At210304Ms)
    try completeClip("front-door", Instant.nov25At2330Ms)
    _ = try index.beginClip(cameraId: "garage", startMs: Instant.nov25At210304Ms)
    XCTAssertEqual(try index.cameraIds(), ["front-door", "garage", "yard"])
  }

  func testInvalidDaysAreRejected() throws {
    for day in [
      "2026-02-30", "2026-13-01", "2026-00-10", "26-11-25", "2026/11/25", "2026-11-5", "",
      "../../etc", "2026-11-25 ",
    ] {
      assertThrowsStorageError(
        try index.clips(cameraId: "front-door", day: day), .invalidDay(day))
    }
    XCTAssertNoThrow(try index.clips(cameraId: "front-door", day: "2028-02-29"))
  }
}
