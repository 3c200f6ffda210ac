// Motion events in the index (ClipIndex+Events.swift): their life from open to closed, the
// listing's filters and paging, their removal with the footage that covers them, and what start-up
// does with an event a crash left open.
import Foundation
import GRDB
import XCTest

@testable import Storage

final class MotionEventIndexTests: ClipIndexTestCase {
  private let t0 = Instant.nov25At210304Ms
  private let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 0xFF, 0xD9]

  func testAnEventOpensRisesToItsPeakWithAThumbnailAndCloses() throws {
    var event = try index.openEvent(cameraId: "front", startMs: t0, peakScore: 0, clipId: nil)
    XCTAssertNil(try index.event(id: event.id)?.endMs, "open while the motion goes on")
    event = try index.raiseEventPeak(event, score: 2.5, atMs: t0 + 300, jpeg: jpeg)
    let thumbnail = try XCTUnwrap(event.thumbnail)
    XCTAssertEqual(thumbnail, "events/front/2026-11-25/\(event.id).jpg")
    XCTAssertEqual(
      try Data(contentsOf: URL(fileURLWithPath: index.absolutePath(ofEventThumbnail: thumbnail))),
      Data(jpeg))
    // A higher peak without a picture keeps the last thumbnail.
    event = try index.raiseEventPeak(event, score: 7.25, atMs: t0 + 1_500, jpeg: nil)
    event = try index.setEventEnd(event, endMs: t0 + 4_000)
    let stored = try XCTUnwrap(try index.event(id: event.id))
    XCTAssertEqual(stored, event)
    XCTAssertEqual(stored.startMs, t0)
    XCTAssertEqual(stored.endMs, t0 + 4_000)
    XCTAssertEqual(stored.peakScore, 7.25)
    XCTAssertEqual(stored.peakMs, t0 + 1_500)
    XCTAssertEqual(stored.thumbnail, thumbnail)
    XCTAssertNil(stored.clipId)
    XCTAssertFalse(stored.reviewed)
    XCTAssertEqual(try index.setEventReviewed(id: event.id, true)?.reviewed, true)
    XCTAssertNil(try index.setEventReviewed(id: 999, true))
  }

  func testThumbnailPathsOutsideTheEventsShapeAreRefused() {
    for path in [
      "events/front/2026-11-25/../../vms.sqlite", "recordings/front/2026-11-25/1.jpg",
      "events/Front/2026-11-25/1.jpg", "events/front/2026-13-01/1.jpg",
      "events/front/2026-11-25/a.jpg",
      "/etc/passwd", "events/front/2026-11-25/1.jpg/x",
    ] {
      XCTAssertThrowsError(try index.absolutePath(ofEventThumbnail: path), path)
    }
  }

  func testTheListingIsNewestFirstWithItsFiltersAndPages() throws {
    var ids: [Int64] = []
    for n in 0..<6 {
      let camera = n % 2 == 0 ? "front" : "back"
      var event = try index.openEvent(
        cameraId: camera, startMs: t0 + Int64(n) * 60_000, peakScore: 0, clipId: nil)
      event = try index.raiseEventPeak(
        event, score: Double(n), atMs: event.startMs + 100, jpeg: nil)
      if n < 5 { event = try index.setEventEnd(event, endMs: event.startMs + 10_000) }
      ids.append(event.id)
    }
    _ = try index.setEventReviewed(id: ids[2], true)
    func listed(_ filter: MotionEventFilter) throws -> [Int64] {
      try index.events(filter).map(\.id)
    }

    XCTAssertEqual(try listed(.init()), ids.reversed())
    XCTAssertEqual(try listed(.init(cameraId: "front")), [ids[4], ids[2], ids[0]])
    XCTAssertEqual(try listed(.init(minScore: 3)), [ids[5], ids[4], ids[3]])
    XCTAssertEqual(try listed(.init(reviewed: true)), [ids[2]])
    XCTAssertEqual(try listed(.init(reviewed: false)).count, 5)
    // since: ends at or after it (the open one goes on); until: starts before it.
    XCTAssertEqual(try listed(.init(sinceMs: t0 + 3 * 60_000 + 10_000)), [ids[5], ids[4], ids[3]])
    XCTAssertEqual(try listed(.init(untilMs: t0 + 60_000)), [ids[0]])
    // Pages of two, each after the last id of the one before.
    let first = try listed(.init(limit: 2))
    let second = try listed(.init(beforeId: first.last, limit: 2))
    let third = try listed(.init(beforeId: second.last, limit: 2))
    XCTAssertEqual(first + second + third, ids.reversed())
    XCTAssertEqual(try listed(.init(beforeId: ids[0], limit: 2)), [])
  }

  func testDeletingTheFootageOfAnEventDeletesTheEventAndItsThumbnailButNotOneStillCovered()
    throws
  {
    // Three segments of a minute; an event inside the first, one across the second and third.
    let segments = try (0..<3).map { n in
      try clip("front", startMs: t0 + Int64(n) * 60_000, durationMs: 60_000)
    }
    var inFirst = try index.openEvent(
      cameraId: "front", startMs: t0 + 10_000, peakScore: 0, clipId: nil)
    inFirst = try index.raiseEventPeak(inFirst, score: 3, atMs: t0 + 11_000, jpeg: jpeg)
    inFirst = try index.setEventEnd(inFirst, endMs: t0 + 20_000)
    var across = try index.openEvent(
      cameraId: "front", startMs: t0 + 100_000, peakScore: 0, clipId: nil)
    across = try index.raiseEventPeak(across, score: 3, atMs: t0 + 130_000, jpeg: jpeg)
    across = try index.setEventEnd(across, endMs: t0 + 150_000)
    // Another camera's event at the same time is not this footage.
    let other = try index.setEventEnd(
      try index.openEvent(cameraId: "back", startMs: t0 + 10_000, peakScore: 0, clipId: nil),
      endMs: t0 + 20_000)
    let firstThumbnail = try index.absolutePath(ofEventThumbnail: XCTUnwrap(inFirst.thumbnail))

    let deletion = try index.deleteClips(ids: [segments[0].id, segments[1].id], .unarchived)
    XCTAssertEqual(deletion.clips.count, 2)
    XCTAssertEqual(deletion.events.map(\.id), [inFirst.id])
    XCTAssertNil(try index.event(id: inFirst.id))
    XCTAssertFalse(FileManager.default.fileExists(atPath: firstThumbnail))
    XCTAssertNotNil(try index.event(id: across.id), "the third segment still covers part of it")
    XCTAssertNotNil(try index.event(id: other.id))

    XCTAssertEqual(
      try index.deleteClips(ids: [segments[2].id], .unarchived).events.map(\.id),
      [
        across.id
      ])
    XCTAssertNil(try index.event(id: across.id))
  }

  func testAnEventLeftOpenByACrashEndsWhereItsFootageEndsOrGoesWithoutFootage() throws {
    // The recorder's clip was finished from its file at start-up: it ends at t0 + 25 s.
    _ = try clip("front", startMs: t0, durationMs: 25_000)
    var open = try index.openEvent(
      cameraId: "front", startMs: t0 + 5_000, peakScore: 0, clipId: nil)
    open = try index.raiseEventPeak(open, score: 4, atMs: t0 + 30_000, jpeg: jpeg)
    // A camera with no footage after its event began: nothing covers it.
    var orphan = try index.openEvent(
      cameraId: "back", startMs: t0 + 5_000, peakScore: 0, clipId: nil)
    orphan = try index.raiseEventPeak(orphan, score: 4, atMs: t0 + 6_000, jpeg: jpeg)
    let orphanThumbnail = try index.absolutePath(ofEventThumbnail: XCTUnwrap(orphan.thumbnail))

    let result = try index.closeEventsLeftOpen()
    XCTAssertEqual(result.closed, 1)
    XCTAssertEqual(result.removed, 1)
    let closed = try XCTUnwrap(try index.event(id: open.id))
    XCTAssertEqual(closed.endMs, t0 + 25_000)
    XCTAssertEqual(closed.peakMs, t0 + 25_000, "the peak lies within the event")
    XCTAssertNil(try index.event(id: orphan.id))
    XCTAssertFalse(FileManager.default.fileExists(atPath: orphanThumbnail))
    XCTAssertEqual(try index.closeEventsLeftOpen().closed, 0, "nothing left open")
  }

  func testSegmentsOutsideEventsAreTheJanitorsFirstChoice() throws {
    func segment(_ n: Int64) throws -> ClipRecord {
      let record = try index.beginClip(
        cameraId: "front", startMs: t0 + n * 60_000, kind: .segment)
      try directory.write(1_000, to: record.file)
      try index.finishClip(
        id: record.id, endMs: record.startMs + 60_000, durationMs: 60_000, sizeBytes: 1_000,
        hasThumbnail: false)
      return try XCTUnwrap(try index.clip(id: record.id))
    }
    let segments = try (0..<4).map(segment)
    XCTAssertEqual(segments.map(\.kind), Array(repeating: .segment, count: 4))
    let eventClip = try clip("back", startMs: t0 - 600_000, durationMs: 10_000)
    XCTAssertEqual(eventClip.kind, .event)
    _ = try index.setEventEnd(
      try index.openEvent(cameraId: "front", startMs: t0 + 70_000, peakScore: 0, clipId: nil),
      endMs: t0 + 130_000)  // over segments 1 and 2
    XCTAssertEqual(
      try index.oldestSegmentsOutsideEvents(limit: 10).map(\.id), [segments[0].id, segments[3].id])
    XCTAssertEqual(
      try index.expiredClips(
        cameraId: "front", endedBeforeMs: t0 + 1_000_000, kind: .segment, outsideEvents: true,
        limit: 10
      ).map(\.id), [segments[0].id, segments[3].id])
    XCTAssertEqual(
      try index.expiredClips(
        cameraId: "front", endedBeforeMs: t0 + 1_000_000, kind: .segment, limit: 10
      ).count, 4)
    let usage = try index.usage(cameraId: "front")
    XCTAssertEqual(usage.segmentsBytes, 4_000)
    XCTAssertEqual(try index.usage(cameraId: "back").segmentsBytes, 0)
  }
}
