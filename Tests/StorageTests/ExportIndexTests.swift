// The index side of exports: which footage a range takes, what is said to exist nearby, the rows'
// life, and what start-up makes of an export a crash interrupted.
import Foundation
import GRDB
import XCTest

@testable import Storage

final class ExportIndexTests: ClipIndexTestCase {
  let t0 = Instant.nov25At210304Ms

  @discardableResult
  private func clip(_ cameraId: String, _ startMs: Int64, seconds: Int64, complete: Bool = true)
    throws -> ClipRecord
  {
    let clip = try index.beginClip(cameraId: cameraId, startMs: startMs)
    if complete {
      try index.finishClip(
        id: clip.id, endMs: startMs + seconds * 1000, durationMs: seconds * 1000, sizeBytes: 10,
        hasThumbnail: false)
    }
    return try XCTUnwrap(try index.clip(id: clip.id))
  }

  func testFootageIsEveryClipOverlappingTheRangeByStartArchivedAndRecordingIncluded() throws {
    let before = try clip("door", t0, seconds: 60)  // ends exactly at the range's start
    let first = try clip("door", t0 + 60_000, seconds: 60)
    let archived = try clip("door", t0 + 120_000, seconds: 60)
    _ = try index.archiveClip(id: archived.id)
    try clip("yard", t0 + 120_000, seconds: 60)  // another camera
    let recording = try clip("door", t0 + 180_000, seconds: 0, complete: false)
    try clip("door", t0 + 400_000, seconds: 60)  // after the range

    let found = try index.footage(
      cameraId: "door", startMs: t0 + 60_000, endMs: t0 + 300_000, nowMs: t0 + 200_000)
    XCTAssertEqual(found.map(\.id), [first.id, archived.id, recording.id])
    XCTAssertFalse(found.contains { $0.id == before.id }, "a clip ending at the start is not in it")

    // A clip being recorded covers up to now, past its last progress update...
    try index.updateProgress(
      id: recording.id, endMs: t0 + 190_000, durationMs: 10_000, sizeBytes: 10)
    let growing = try index.footage(
      cameraId: "door", startMs: t0 + 195_000, endMs: t0 + 300_000, nowMs: t0 + 200_000)
    XCTAssertEqual(growing.map(\.id), [recording.id])
    // ...and no further.
    let later = try index.footage(
      cameraId: "door", startMs: t0 + 250_000, endMs: t0 + 300_000, nowMs: t0 + 200_000)
    XCTAssertEqual(later.map(\.id), [])
  }

  func testNearbyFootageIsTheEndBeforeAndTheStartAfter() throws {
    try clip("door", t0, seconds: 30)
    try clip("door", t0 + 100_000, seconds: 30)
    try clip("door", t0 + 900_000, seconds: 30)
    let nearby = try index.nearbyFootage(
      cameraId: "door", startMs: t0 + 200_000, endMs: t0 + 300_000, nowMs: t0 + 1_000_000)
    XCTAssertEqual(nearby, NearbyFootage(endBeforeMs: t0 + 130_000, startAfterMs: t0 + 900_000))
    let none = try index.nearbyFootage(
      cameraId: "yard", startMs: t0, endMs: t0 + 1, nowMs: t0 + 1_000_000)
    XCTAssertEqual(none, NearbyFootage(endBeforeMs: nil, startAfterMs: nil))
  }

  func testAnExportRowGoesFromRunningToDoneAndIsListedNewestFirst() throws {
    let a = try index.insertExport(cameraId: "door", startMs: t0, endMs: t0 + 1000, createdMs: 1)
    let b = try index.insertExport(cameraId: "door", startMs: t0, endMs: t0 + 2000, createdMs: 2)
    XCTAssertEqual(a.file, "exports/\(a.id).mp4")
    XCTAssertEqual(try index.exports().map(\.id), [b.id, a.id])
    XCTAssertTrue(try index.updateExportProgress(id: a.id, progress: 0.5))
    XCTAssertEqual(try index.export(id: a.id)?.progress, 0.5)
    let done = try XCTUnwrap(try index.endExport(id: a.id, state: .done, sizeBytes: 1234))
    XCTAssertEqual(done.state, .done)
    XCTAssertEqual(done.progress, 1)
    XCTAssertEqual(done.sizeBytes, 1234)
    XCTAssertNil(try index.endExport(id: a.id, state: .failed, error: "x"), "only running ends")
    XCTAssertFalse(try index.updateExportProgress(id: a.id, progress: 0.1))
  }

  func testStartUpFailsAnExportACrashInterruptedAndRemovesItsFiles() throws {
    let running = try index.insertExport(
      cameraId: "door", startMs: t0, endMs: t0 + 1000, createdMs: 1)
    let done = try index.insertExport(cameraId: "door", startMs: t0, endMs: t0 + 1000, createdMs: 2)
    try directory.write(100, to: "exports/\(running.id).mp4.partial")
    try directory.write(100, to: "exports/\(done.id).mp4")
    _ = try index.endExport(id: done.id, state: .done, sizeBytes: 100)
    try directory.write(100, to: "exports/999.mp4")  // a deletion's file whose row went
    try directory.write(5, to: "exports/notes.txt")  // not ours: left alone
    try index.close()

    index = try ClipIndex.open(dataDirectory: directory.dataPath, timeZone: paris)
    let failed = try index.recoverExports()
    XCTAssertEqual(failed.map(\.id), [running.id])
    let row = try XCTUnwrap(try index.export(id: running.id))
    XCTAssertEqual(row.state, .failed)
    XCTAssertEqual(row.error, "interrupted by a restart: export again")
    XCTAssertFalse(directory.exists("exports/\(running.id).mp4.partial"))
    XCTAssertTrue(directory.exists("exports/\(done.id).mp4"), "a finished export stays")
    XCTAssertFalse(directory.exists("exports/999.mp4"))
    XCTAssertTrue(directory.exists("exports/notes.txt"))
  }

  func testTheCheckReportsADoneExportWithoutItsFileAndNeverTheExportsAsStrays() throws {
    let gone = try index.insertExport(cameraId: "door", startMs: t0, endMs: t0 + 1000, createdMs: 1)
    _ = try index.endExport(id: gone.id, state: .done, sizeBytes: 100)
    let kept = try index.insertExport(cameraId: "door", startMs: t0, endMs: t0 + 1000, createdMs: 2)
    try directory.write(100, to: "exports/\(kept.id).mp4")
    _ = try index.endExport(id: kept.id, state: .done, sizeBytes: 100)
    let report = try index.checkConsistency()
    XCTAssertEqual(report.exportsWithoutFile.map(\.id), [gone.id])
    XCTAssertEqual(report.unknownFiles, [])
    XCTAssertEqual(report.filesWithoutRow, [])
    XCTAssertEqual(report.problemCount, 1)
  }

  func testDeletingRemovesTheRowThenTheFile() throws {
    let export = try index.insertExport(
      cameraId: "door", startMs: t0, endMs: t0 + 1000, createdMs: 1)
    try directory.write(100, to: "exports/\(export.id).mp4")
    XCTAssertEqual(try index.deleteExport(id: export.id)?.id, export.id)
    XCTAssertNil(try index.export(id: export.id))
    XCTAssertFalse(directory.exists("exports/\(export.id).mp4"))
    XCTAssertNil(try index.deleteExport(id: export.id))
  }

  func testTheRangeRule() {
    XCTAssertNil(ExportRange.problem(startMs: 0, endMs: 1))
    XCTAssertNil(ExportRange.problem(startMs: 0, endMs: 24 * 3_600_000))
    XCTAssertEqual(ExportRange.problem(startMs: 5, endMs: 5), "the end must be after the start")
    XCTAssertEqual(
      ExportRange.problem(startMs: 0, endMs: 24 * 3_600_000 + 1),
      "the range is longer than 24 hours: export at most 24 hours at a time")
  }
}
