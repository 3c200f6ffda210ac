import Foundation
import GRDB
import XCTest

@testable import Storage

/// The comparison of the index with the clip trees, one kind of inconsistency at a time, and the
/// repairs Storage makes itself (those that need no probing).
final class ConsistencyCheckTests: ClipIndexTestCase {
  private let baseMs = Instant.nov25At210304Ms

  private func makeFolder(of relative: String) throws {
    try FileManager.default.createDirectory(
      atPath: ((directory.dataPath + "/" + relative) as NSString).deletingLastPathComponent,
      withIntermediateDirectories: true)
  }

  private func remove(_ relative: String) throws {
    try FileManager.default.removeItem(atPath: directory.dataPath + "/" + relative)
  }

  func testAConsistentStoreReportsNothing() throws {
    try clip(startMs: baseMs)
    try clip("back", startMs: baseMs + 60_000)
    let report = try index.checkConsistency()
    XCTAssertTrue(report.isConsistent, "\(report)")
    XCTAssertEqual(report.clipCount, 2)
    XCTAssertEqual(report.fileCount, 4)
  }

  func testParsesClipNamesBackToCameraTreeAndStart() throws {
    let layout = index.layout
    let name = try XCTUnwrap(
      ClipFileName(relativePath: "archives/front-door/2026-11-25/21-03-04-2.mp4", layout: layout))
    XCTAssertEqual(name.tree, .archives)
    XCTAssertEqual(name.cameraId, "front-door")
    XCTAssertEqual(name.sequence, 2)
    XCTAssertEqual(name.kind, .video)
    XCTAssertEqual(name.startMs(in: layout), Instant.nov25At210304Ms)
    XCTAssertEqual(name.videoRelativePath, "archives/front-door/2026-11-25/21-03-04-2.mp4")
    for bad in [
      "recordings/front/2026-11-25/21-03-04.txt", "recordings/Front/2026-11-25/21-03-04.mp4",
      "recordings/front/2026-13-25/21-03-04.mp4", "recordings/front/2026-11-25/25-03-04.mp4",
      "recordings/front/2026-11-25/21-03-04-0.mp4", "recordings/front/21-03-04.mp4",
      "other/front/2026-11-25/21-03-04.mp4",
    ] {
      XCTAssertNil(ClipFileName(relativePath: bad, layout: layout), bad)
    }
    // 02:30 on the spring-forward day does not exist in Paris.
    XCTAssertNil(
      ClipFileName(relativePath: "recordings/a/2026-03-29/02-30-00.mp4", layout: layout)?.startMs(
        in: layout))
  }

  func testFindsEachKindOfInconsistency() throws {
    // A row whose video is gone.
    let missing = try clip(startMs: baseMs)
    try remove(missing.file)
    // A video without a row, with its thumbnail.
    let orphan = try clip(startMs: baseMs + 60_000)
    try directory.rawDatabase().write { db in
      try db.execute(sql: "DELETE FROM clip WHERE id = ?", arguments: [orphan.id])
    }
    // A clip left recording.
    let open = try index.beginClip(cameraId: "front", startMs: baseMs + 120_000)
    // A row whose size is wrong, and one whose thumbnail is missing.
    let wrongSize = try clip(startMs: baseMs + 180_000, sizeBytes: 500)
    try directory.write(700, to: wrongSize.file)
    let noThumbnail = try clip(startMs: baseMs + 240_000)
    try remove(noThumbnail.thumbnail!)
    // A thumbnail alone, and files vms never writes.
    try directory.write(10, to: "recordings/front/2026-11-25/22-00-00.jpg")
    try directory.write(10, to: "recordings/front/2026-11-25/notes.txt")
    try directory.write(10, to: "recordings/stray.mp4")

    let report = try index.checkConsistency()
    XCTAssertFalse(report.isConsistent)
    XCTAssertEqual(report.rowsWithoutFile.map(\.id), [missing.id])
    XCTAssertEqual(report.filesWithoutRow.map(\.relativePath), [orphan.file])
    XCTAssertEqual(report.filesWithoutRow.first?.sizeBytes, 1_000)
    XCTAssertEqual(report.recording.map(\.id), [open.id])
    XCTAssertEqual(report.sizeMismatches, [.init(clip: wrongSize, fileBytes: 700)])
    XCTAssertEqual(report.thumbnailMismatches, [.init(clip: noThumbnail, thumbnail: nil)])
    XCTAssertEqual(report.thumbnailsWithoutClip, ["recordings/front/2026-11-25/22-00-00.jpg"])
    XCTAssertEqual(
      report.unknownFiles, ["recordings/front/2026-11-25/notes.txt", "recordings/stray.mp4"])
    XCTAssertEqual(report.misplaced, [])
    XCTAssertEqual(report.leftoverCopies, [])

    // Fresh files are not judged while a server may be writing them.
    let fresh = try index.checkConsistency(freshSinceMs: 0)
    XCTAssertEqual(fresh.filesWithoutRow, [])
    XCTAssertEqual(fresh.skippedFresh, 2)
  }

  func testInterruptedMovesAreFinishedNotDuplicated() throws {
    // Archive interrupted after the copy (step 1): the row still points into recordings/.
    let copied = try clip(startMs: baseMs)
    let copy = try index.layout.relativePath(copied.file, movedTo: .archives)
    try makeFolder(of: copy)
    try directory.write(1_000, to: copy)
    try directory.write(10, to: DataLayout.thumbnailRelativePath(ofClip: copy))
    try directory.write(5, to: copy + ".partial")
    // Archive interrupted after the row changed (step 2): the recordings copy remains.
    let switched = try clip(startMs: baseMs + 60_000)
    let switchedTarget = try index.layout.relativePath(switched.file, movedTo: .archives)
    try makeFolder(of: switchedTarget)
    try directory.write(1_000, to: switchedTarget)
    try directory.rawDatabase().write { db in
      try db.execute(
        sql: "UPDATE clip SET file = ?, thumbnail = NULL, archived = 1 WHERE id = ?",
        arguments: [switchedTarget, switched.id])
    }
    // A row moved while its file was not (a move in the other order): the file is in the other tree.
    let misplaced = try clip(startMs: baseMs + 120_000)
    let misplacedTarget = try index.layout.relativePath(misplaced.file, movedTo: .archives)
    try directory.rawDatabase().write { db in
      try db.execute(
        sql: "UPDATE clip SET file = ?, thumbnail = ?, archived = 1 WHERE id = ?",
        arguments: [
          misplacedTarget, DataLayout.thumbnailRelativePath(ofClip: misplacedTarget), misplaced.id,
        ])
    }

    let report = try index.checkConsistency()
    XCTAssertEqual(
      report.filesWithoutRow, [], "a leftover copy must never be adopted as a new clip")
    XCTAssertEqual(
      report.leftoverCopies,
      [
        copy + ".partial", copy, DataLayout.thumbnailRelativePath(ofClip: copy), switched.file,
        switched.thumbnail!,
      ].sorted())
    XCTAssertEqual(report.misplaced.map(\.id), [misplaced.id])
    XCTAssertEqual(report.rowsWithoutFile, [])

    for path in report.leftoverCopies { try index.removeLeftoverCopy(path) }
    XCTAssertTrue(try index.finishMove(id: misplaced.id))
    XCTAssertTrue(directory.exists(misplacedTarget))
    XCTAssertTrue(directory.exists(DataLayout.thumbnailRelativePath(ofClip: misplacedTarget)))
    XCTAssertTrue(directory.exists(copied.file), "the row's own copy stays")
    XCTAssertTrue(directory.exists(switchedTarget))
    let after = try index.checkConsistency()
    XCTAssertTrue(after.isConsistent, "\(after)")
  }

  func testRepairPrimitives() throws {
    let missing = try clip(startMs: baseMs)
    try remove(missing.file)
    // Adoption under archives/ makes an archived row (retention never takes it).
    let adoptedFile = "archives/back/2026-11-25/21-03-04.mp4"
    try makeFolder(of: adoptedFile)
    try directory.write(2_000, to: adoptedFile)
    try directory.write(10, to: "archives/back/2026-11-25/21-03-04.jpg")
    // An empty reserved name.
    try directory.write(0, to: "recordings/front/2026-11-25/21-10-00.mp4")
    try directory.write(10, to: "recordings/front/2026-11-25/22-00-00.jpg")

    XCTAssertTrue(try index.removeRowWithoutFile(id: missing.id))
    XCTAssertNil(try index.clip(id: missing.id))
    XCTAssertFalse(directory.exists(missing.thumbnail!))

    let adopted = try index.adoptClip(file: adoptedFile, durationMs: 12_500, sizeBytes: 2_000)
    XCTAssertEqual(adopted.cameraId, "back")
    XCTAssertEqual(adopted.startMs, Instant.nov25At210304Ms)
    XCTAssertEqual(adopted.endMs, Instant.nov25At210304Ms + 12_500)
    XCTAssertTrue(adopted.archived)
    XCTAssertEqual(adopted.state, .complete)
    XCTAssertEqual(adopted.thumbnail, "archives/back/2026-11-25/21-03-04.jpg")
    XCTAssertEqual(try index.usage(cameraId: "back").archivesBytes, 2_000)

    try index.removeEmptyOrphan("recordings/front/2026-11-25/21-10-00.mp4")
    try index.removeStrayThumbnail("recordings/front/2026-11-25/22-00-00.jpg")
    let after = try index.checkConsistency()
    XCTAssertTrue(after.isConsistent, "\(after)")

    // Refusals: paths outside the trees, a non-empty file, a thumbnail whose video exists.
    XCTAssertThrowsError(try index.removeStrayThumbnail("../vms.sqlite"))
    XCTAssertThrowsError(
      try index.adoptClip(file: "recordings/x/../../y.mp4", durationMs: 1, sizeBytes: 1))
    try index.removeEmptyOrphan(adoptedFile)
    XCTAssertTrue(directory.exists(adoptedFile))
    try index.removeStrayThumbnail("archives/back/2026-11-25/21-03-04.jpg")
    XCTAssertTrue(directory.exists("archives/back/2026-11-25/21-03-04.jpg"))
  }

  /// 100,000 clips: one walk and one query. Printed, not asserted (speed belongs in benchmarks;
  /// this is a debug build).
  func testHundredThousandClipsTiming() throws {
    let count = 100_000
    // On tmpfs when there is one: creating 100,000 files is the slow part, and it is not measured.
    if FileManager.default.isWritableFile(atPath: "/dev/shm") {
      try index.close()
      let shm = "/dev/shm/vms-consistency-" + UUID().uuidString
      addTeardownBlock { try? FileManager.default.removeItem(atPath: shm) }
      index = try ClipIndex.open(dataDirectory: shm, timeZone: paris)
    }
    let dataPath = index.dataDirectory
    let started = Date()
    let layout = index.layout
    // Rows straight in SQL and empty files, 1,000 per day folder across 4 cameras.
    var folders = Set<String>()
    var configuration = Configuration()
    configuration.busyMode = .timeout(5)
    try DatabaseQueue(path: index.databasePath, configuration: configuration).write { db in
      let statement = try db.makeStatement(
        sql:
          "INSERT INTO clip (camera_id, start_ms, end_ms, duration_ms, size_bytes, file, state) VALUES (?, ?, ?, 10000, 0, ?, 'complete')"
      )
      for n in 0..<count {
        let camera = "cam\(n % 4)"
        let startMs = baseMs - Int64(n / 4) * 30_000
        let file = try layout.clipRelativePath(in: .recordings, cameraId: camera, startMs: startMs)
        let folder = (file as NSString).deletingLastPathComponent
        if folders.insert(folder).inserted {
          try FileManager.default.createDirectory(
            atPath: dataPath + "/" + folder, withIntermediateDirectories: true)
        }
        let descriptor = open(dataPath + "/" + file, O_WRONLY | O_CREAT, 0o644)
        close(descriptor)
        try statement.execute(arguments: [camera, startMs, startMs + 10_000, file])
      }
    }
    let prepared = Date()
    let report = try index.checkConsistency()
    let checked = Date()
    XCTAssertEqual(report.clipCount, count)
    XCTAssertEqual(report.fileCount, count)
    XCTAssertTrue(report.isConsistent)
    print(
      "consistency check of \(count) clips: \(String(format: "%.2f", checked.timeIntervalSince(prepared))) s (setup \(String(format: "%.1f", prepared.timeIntervalSince(started))) s)"
    )
  }
}
