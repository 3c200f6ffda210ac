import Foundation
import Storage
import XCTest

@testable import VMSRuntime

/// The storage check with real media: orphan videos are probed before adoption, clips left
/// `recording` are finished from their files, and each repair mode does what it says.
final class StorageCheckTests: XCTestCase {
  /// A 2-second fragmented MP4 (H.264, 10 fps) made once by the ffmpeg command line.
  private static let sampleClip: String? = {
    let path = NSTemporaryDirectory() + "vms-storage-check-sample-\(getpid()).mp4"
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
    process.arguments = [
      "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-t", "2",
      "-c:v", "libx264", "-pix_fmt", "yuv420p", "-movflags",
      "frag_keyframe+empty_moov+default_base_moof",
      path,
    ]
    guard (try? process.run()) != nil else { return nil }
    process.waitUntilExit()
    return process.terminationStatus == 0 ? path : nil
  }()

  private func sample() throws -> Data {
    guard let path = Self.sampleClip else {
      throw XCTSkip("ffmpeg is needed to make a sample clip")
    }
    return try Data(contentsOf: URL(fileURLWithPath: path))
  }

  private func put(_ data: Data, at relative: String, in fixture: StorageFixture) throws {
    try fixture.write(0, to: relative)
    try data.write(to: URL(fileURLWithPath: fixture.dataPath + "/" + relative))
  }

  func testStartUpAdoptsPlayableOrphansFinishesRecordingClipsAndReportsTheRest() throws {
    let video = try sample()
    let fixture = try StorageFixture()
    // A playable video without a row, in each tree.
    try put(video, at: "recordings/front/2026-11-25/10-00-00.mp4", in: fixture)
    try fixture.write(10, to: "recordings/front/2026-11-25/10-00-00.jpg")
    try put(video, at: "archives/front/2026-11-24/09-00-00.mp4", in: fixture)
    // Garbage and an empty reserved name without rows.
    try fixture.write(5_000, to: "recordings/front/2026-11-25/11-00-00.mp4")
    try fixture.write(0, to: "recordings/front/2026-11-25/12-00-00.mp4")
    // A clip left recording with a playable file, and one with nothing in it.
    let open = try fixture.index.beginClip(cameraId: "back", startMs: StorageFixture.nowMs - 60_000)
    try put(video, at: open.file, in: fixture)
    let empty = try fixture.index.beginClip(
      cameraId: "back", startMs: StorageFixture.nowMs - 30_000)
    // A row whose video is gone: reported at start-up, never removed then.
    let gone = try fixture.clip("back", endedAgoMs: 3_600_000)
    try FileManager.default.removeItem(atPath: fixture.dataPath + "/" + gone.file)

    let summary = StorageCheck.run(index: fixture.index, repairs: .startUp, log: testLog)
    XCTAssertEqual(summary.adopted, 2)
    XCTAssertEqual(summary.unplayable, ["recordings/front/2026-11-25/11-00-00.mp4"])
    XCTAssertEqual(summary.removedEmpty, 1)
    XCTAssertEqual(summary.finishedRecording, 1)
    XCTAssertEqual(summary.removedRecording, 1)
    XCTAssertEqual(summary.removedRows, 0)
    XCTAssertEqual(summary.errors, [])
    XCTAssertEqual(summary.problemsLeft, 2, summary.lines.joined(separator: "\n"))
    XCTAssertTrue(
      summary.lines.contains { $0.contains("1 row(s) whose video is missing") }, "\(summary.lines)")

    let adopted = try XCTUnwrap(
      try fixture.index.clips(cameraId: "front", day: "2026-11-25").first {
        $0.file.hasSuffix("10-00-00.mp4")
      })
    XCTAssertEqual(adopted.state, .complete)
    XCTAssertEqual(Double(adopted.durationMs), 2_000, accuracy: 150)
    XCTAssertEqual(adopted.sizeBytes, Int64(video.count))
    XCTAssertEqual(adopted.thumbnail, "recordings/front/2026-11-25/10-00-00.jpg")
    XCTAssertFalse(adopted.archived)
    let adoptedArchive = try XCTUnwrap(
      try fixture.index.clips(cameraId: "front", day: "2026-11-24").first)
    XCTAssertTrue(adoptedArchive.archived)
    let finished = try XCTUnwrap(try fixture.index.clip(id: open.id))
    XCTAssertEqual(finished.state, .complete)
    XCTAssertEqual(Double(finished.durationMs), 2_000, accuracy: 150)
    XCTAssertNil(try fixture.index.clip(id: empty.id))
    XCTAssertNotNil(try fixture.index.clip(id: gone.id))
    XCTAssertTrue(
      fixture.exists("recordings/front/2026-11-25/11-00-00.mp4"),
      "never delete footage we cannot read")

    // check-storage --repair removes the dangling row; the unplayable file stays and is reported.
    let repaired = StorageCheck.run(index: fixture.index, repairs: .all, log: testLog)
    XCTAssertEqual(repaired.removedRows, 1)
    XCTAssertNil(try fixture.index.clip(id: gone.id))
    let after = StorageCheck.run(index: fixture.index, repairs: .none, log: testLog)
    XCTAssertEqual(after.problemsLeft, 1)
    XCTAssertEqual(
      after.report.filesWithoutRow.map(\.relativePath), ["recordings/front/2026-11-25/11-00-00.mp4"]
    )
  }

  func testReportOnlyChangesNothing() throws {
    let video = try sample()
    let fixture = try StorageFixture()
    try put(video, at: "recordings/front/2026-11-25/10-00-00.mp4", in: fixture)
    let open = try fixture.index.beginClip(cameraId: "back", startMs: StorageFixture.nowMs)
    let summary = StorageCheck.run(index: fixture.index, repairs: .none, log: testLog)
    XCTAssertEqual(summary.report.filesWithoutRow.count, 1)
    XCTAssertEqual(summary.report.recording.map(\.id), [open.id])
    XCTAssertEqual(summary.problemsLeft, 2)
    XCTAssertEqual(try fixture.index.cameraIds(), ["back"])
    XCTAssertEqual(try fixture.index.clip(id: open.id)?.state, .recording)
    XCTAssertEqual(summary.lines.last, "2 problem(s) left")
  }
}
