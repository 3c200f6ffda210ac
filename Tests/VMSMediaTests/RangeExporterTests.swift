// The export of a time range by stream copy, on real H.264 files written by the recorder's own
// ClipWriter: what a player of the output sees (its duration, where it starts, every frame
// decodable), across segment boundaries and holes; cancellation leaves nothing.
import CFFmpeg
import Foundation
import TestSupport
import XCTest

@testable import VMSMedia

final class RangeExporterTests: XCTestCase {
  /// 2026-12-07 14:02:00 UTC.
  static let t0: Int64 = 1_796_652_120_000

  var directory = ""

  override func setUp() {
    directory = NSTemporaryDirectory() + "range-export-" + UUID().uuidString
  }

  override func tearDown() {
    try? FileManager.default.removeItem(atPath: directory)
  }

  func sources(_ files: [SyntheticFootage.File]) -> [RangeExporter.Source] {
    files.map { RangeExporter.Source(path: $0.path, startMs: $0.startMs) }
  }

  /// What a player sees of a file: FFmpeg's duration (edit lists applied), the frames it shows
  /// (packets the edit list does not discard), the frames its decoder outputs (those of discarded
  /// packets are decoded and dropped), the decoder's complaints, and the time of the first frame
  /// shown.
  struct Seen {
    var durationSeconds: Double
    var shownFrames: Int
    var decodedFrames: Int
    var damaged: Int
    var firstShownSeconds: Double?
  }

  static func play(_ path: String) throws -> Seen {
    var context: UnsafeMutablePointer<AVFormatContext>?
    guard avformat_open_input(&context, path, nil, nil) >= 0 else { throw MediaError("open") }
    defer { avformat_close_input(&context) }
    guard avformat_find_stream_info(context, nil) >= 0 else { throw MediaError("info") }
    let index = Int(av_find_best_stream(context, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0))
    guard index >= 0, let stream = context!.pointee.streams[index] else {
      throw MediaError("no video")
    }
    let timeBase = Rational(stream.pointee.time_base)
    let decoder = try VideoDecoder(parameters: stream.pointee.codecpar)
    let packet = av_packet_alloc()!
    defer {
      var p: UnsafeMutablePointer<AVPacket>? = packet
      av_packet_free(&p)
    }
    var seen = Seen(
      durationSeconds: Double(context!.pointee.duration) / Double(AV_TIME_BASE), shownFrames: 0,
      decodedFrames: 0, damaged: 0, firstShownSeconds: nil)
    while av_read_frame(context, packet) >= 0 {
      if Int(packet.pointee.stream_index) == index {
        if packet.pointee.flags & AV_PKT_FLAG_DISCARD == 0 {
          seen.shownFrames += 1
          let seconds = timeBase.seconds(packet.pointee.pts)
          seen.firstShownSeconds = min(seen.firstShownSeconds ?? seconds, seconds)
        }
        decoder.decode(packet) { _ in seen.decodedFrames += 1 }
      }
      av_packet_unref(packet)
    }
    seen.damaged = decoder.damagedFrames
    return seen
  }

  func export(
    _ files: [SyntheticFootage.File], from startMs: Int64, to endMs: Int64,
    progress: (Double) -> Void = { _ in }, isCancelled: () -> Bool = { false }
  ) throws(RangeExporter.Failure) -> (RangeExporter.Outcome, String) {
    let final = directory + "/out.mp4"
    let outcome = try RangeExporter.export(
      sources: sources(files), startMs: startMs, endMs: endMs, partialPath: final + ".partial",
      finalPath: final, progress: progress, isCancelled: isCancelled)
    return (outcome, final)
  }

  func testARangeAcrossThreeSegmentsPlaysFromItsStartForItsLength() throws {
    let files = try SyntheticFootage.write(
      directory: directory, startMs: Self.t0, seconds: [10, 10, 10])
    // 5.55 s into the first segment to 6.25 s into the third: 20.7 s, two boundaries crossed.
    let start = Self.t0 + 5_550
    let end = files[2].startMs + 6_250
    var fractions: [Double] = []
    let (outcome, path) = try export(files, from: start, to: end) { fractions.append($0) }
    let seen = try Self.play(path)
    XCTAssertEqual(seen.durationSeconds, Double(end - start) / 1000, accuracy: 0.15, "\(seen)")
    // Shown: the frames from the start (at 10 fps), not the GOP before it.
    XCTAssertEqual(Double(seen.shownFrames), Double(end - start) / 100, accuracy: 1.5, "\(seen)")
    XCTAssertEqual(
      seen.firstShownSeconds ?? -1, 0, accuracy: 0.1, "the first frame shown is the start")
    // The GOP from the keyframe at 5 s is in the file, its 6 frames before 5.55 s marked by the
    // edit list: decoded (the next frames need them), not shown.
    XCTAssertEqual(outcome.videoPackets - seen.shownFrames, 6, "\(seen)")
    XCTAssertEqual(seen.decodedFrames, seen.shownFrames, "every frame shown decodes")
    XCTAssertEqual(seen.damaged, 0)
    XCTAssertEqual(outcome.skippedMs, 0)
    XCTAssertEqual(outcome.durationSeconds, seen.durationSeconds, accuracy: 0.11)
    XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".partial"))
    XCTAssertEqual(fractions.last ?? 0, 1, accuracy: 0.02, "progress reaches the end")
    XCTAssertEqual(fractions, fractions.sorted(), "progress only grows")
  }

  func testAHoleBetweenClipsIsSkippedAndPlaybackGoesOn() throws {
    // Events mode: 8 s of footage, 12 s without, 8 s again.
    let files = try SyntheticFootage.write(
      directory: directory, startMs: Self.t0, seconds: [8, 8], holesMs: [12_000])
    let (outcome, path) = try export(files, from: Self.t0 + 2_000, to: files[1].startMs + 4_000)
    let seen = try Self.play(path)
    XCTAssertEqual(seen.durationSeconds, 10, accuracy: 0.15, "6 s + 4 s of footage: \(seen)")
    XCTAssertEqual(Double(outcome.skippedMs), 12_000, accuracy: 150)
    XCTAssertEqual(seen.damaged, 0)
  }

  func testARangeStartingBeforeTheFootageStartsAtItsFirstFrame() throws {
    let files = try SyntheticFootage.write(directory: directory, startMs: Self.t0, seconds: [6])
    let (_, path) = try export(files, from: Self.t0 - 30_000, to: Self.t0 + 4_000)
    let seen = try Self.play(path)
    XCTAssertEqual(seen.durationSeconds, 4, accuracy: 0.15, "\(seen)")
    XCTAssertEqual(seen.firstShownSeconds ?? -1, 0, accuracy: 0.01)
  }

  /// Reads every video packet of `path` in decode order and decodes them all, the decoder drained
  /// at the end: how many frames came out damaged, and whether every B-frame (a frame no other
  /// refers to, in these files) has its later reference frame in the file.
  static func decodeToTheEnd(_ path: String) throws -> (damaged: Int, orphanBFrames: Int) {
    var context: UnsafeMutablePointer<AVFormatContext>?
    guard avformat_open_input(&context, path, nil, nil) >= 0 else { throw MediaError("open") }
    defer { avformat_close_input(&context) }
    guard avformat_find_stream_info(context, nil) >= 0 else { throw MediaError("info") }
    let index = Int(av_find_best_stream(context, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0))
    guard index >= 0, let stream = context!.pointee.streams[index] else {
      throw MediaError("no video")
    }
    let decoder = try VideoDecoder(parameters: stream.pointee.codecpar)
    let packet = av_packet_alloc()!
    defer {
      var p: UnsafeMutablePointer<AVPacket>? = packet
      av_packet_free(&p)
    }
    var referencePts: [Int64] = []
    var nonReferencePts: [Int64] = []
    while av_read_frame(context, packet) >= 0 {
      if Int(packet.pointee.stream_index) == index {
        // AVCC: 4-byte lengths, then NAL units; the first slice's nal_ref_idc says if it is a
        // reference frame.
        let bytes = UnsafeBufferPointer(start: packet.pointee.data, count: Int(packet.pointee.size))
        var offset = 0
        while offset + 5 <= bytes.count {
          let length =
            Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8
            | Int(bytes[offset + 3])
          let header = bytes[offset + 4]
          let type = header & 0x1f
          if type == 1 || type == 5 {
            if header >> 5 & 3 == 0 {
              nonReferencePts.append(packet.pointee.pts)
            } else {
              referencePts.append(packet.pointee.pts)
            }
            break
          }
          offset += 4 + length
        }
        decoder.decode(packet) { _ in }
      }
      av_packet_unref(packet)
    }
    // The decoder holds the last frames back until it is drained.
    var drain = av_packet_alloc()
    decoder.decode(drain!) { _ in }  // an empty packet: the end of the stream
    av_packet_free(&drain)
    let lastReference = referencePts.max() ?? .min
    return (decoder.damagedFrames, nonReferencePts.filter { $0 > lastReference }.count)
  }

  func testAnEndAmongBFramesKeepsEveryFrameTheirReferences() throws {
    let files = try SyntheticFootage.write(
      directory: directory, startMs: Self.t0, seconds: [6], bFrames: 2)
    // Every end between two keyframes: one of them falls just before a reference frame that B-frames
    // written before the end (in display order) refer to.
    for endMs in stride(from: Int64(2_050), through: 2_950, by: 100) {
      let (_, path) = try export(files, from: Self.t0 + 1_000, to: Self.t0 + endMs)
      let seen = try Self.decodeToTheEnd(path)
      XCTAssertEqual(seen.orphanBFrames, 0, "end at \(endMs) ms: B-frames without their reference")
      XCTAssertEqual(seen.damaged, 0, "end at \(endMs) ms")
      XCTAssertEqual(
        try Self.play(path).durationSeconds, Double(endMs - 1_000) / 1000, accuracy: 0.35,
        "at most a couple of frames before the end go")
      try FileManager.default.removeItem(atPath: path)
    }
  }

  func testFilesWithDifferentSPSAreNotJoined() throws {
    // Same codec and size, other SPS/PPS (the camera's settings changed between two segments).
    let first = try SyntheticFootage.write(
      directory: directory + "/a", startMs: Self.t0, seconds: [4])
    let second = try SyntheticFootage.write(
      directory: directory + "/b", startMs: first[0].startMs + first[0].durationMs, seconds: [4],
      bFrames: 2)
    let changedAt = RangeExporter.Source(path: "", startMs: second[0].startMs).localStart
    XCTAssertThrowsError(try export(first + second, from: Self.t0 + 1_000, to: Self.t0 + 7_000)) {
      XCTAssertEqual(
        ($0 as? RangeExporter.Failure)?.description,
        "the camera's video changed at \(changedAt) (new SPS/PPS): export the parts before and after that time separately"
      )
    }
    XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/out.mp4.partial"))
    XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/out.mp4"))
    // Each part alone exports.
    XCTAssertNoThrow(try export(first, from: Self.t0 + 1_000, to: second[0].startMs))
  }

  func testCancellingLeavesNoFile() throws {
    let files = try SyntheticFootage.write(
      directory: directory, startMs: Self.t0, seconds: [10, 10])
    var asked = 0
    XCTAssertThrowsError(
      try export(files, from: Self.t0, to: Self.t0 + 20_000) {
        _ in
      } isCancelled: {
        asked += 1
        return asked > 3
      }
    ) { error in
      XCTAssertEqual(error as? RangeExporter.Failure, .cancelled)
    }
    let left = try FileManager.default.contentsOfDirectory(atPath: directory)
    XCTAssertEqual(left.filter { $0.hasPrefix("out") }, [], "no partial or final file is left")
  }

  func testARangeWithoutFootageFailsAndLeavesNoFile() throws {
    let files = try SyntheticFootage.write(directory: directory, startMs: Self.t0, seconds: [4])
    XCTAssertThrowsError(try export(files, from: Self.t0 + 60_000, to: Self.t0 + 70_000)) {
      XCTAssertEqual($0 as? RangeExporter.Failure, .noFootage)
    }
    XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/out.mp4.partial"))
    XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/out.mp4"))
  }

  func testAFileThatCannotBeOpenedToBeSyncedIsNotRenamed() throws {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let from = directory + "/out.mp4.partial"
    let to = directory + "/out.mp4"
    // A link to itself: open() fails (ELOOP, even for root), rename() would succeed.
    XCTAssertEqual(symlink(from, from), 0)
    XCTAssertThrowsError(try RangeExporter.durablyRename(from, to: to)) { error in
      XCTAssertEqual(
        (error as? RangeExporter.Failure)?.description,
        "cannot open the export to save it to disk: \(String(cString: strerror(ELOOP)))")
    }
    var status = stat()
    XCTAssertNotEqual(lstat(to, &status), 0, "not renamed unsynced")
  }

  func testTheDiskFullMessageSaysWhatToDo() {
    XCTAssertEqual(
      RangeExporter.failureFromFFmpeg(-ENOSPC, while: "x").description,
      "the disk is full: free space or lower retention, then export again")
  }
}
