// The live view's MP4 pieces: codec strings, NAL unit forms, fragments, and an init segment plus
// fragments that FFmpeg reads back as the stream that went in (every frame, its timing, its
// keyframes, decoded without damage).
import CFFmpeg
import Foundation
import TestSupport
import XCTest

@testable import VMSMedia

final class LiveMP4Tests: XCTestCase {
  func testCodecStringsAreReadFromTheDecoderConfigurationRecords() {
    // avcC: version 1, High profile (0x64), no constraints, level 4.0 (0x28).
    XCTAssertEqual(CodecString.avc1(avcC: [1, 0x64, 0x00, 0x28, 0xFF][...]), "avc1.640028")
    XCTAssertEqual(CodecString.avc1(avcC: [1, 0x42, 0xE0, 0x1E, 0xFF][...]), "avc1.42E01E")
    // hvcC: Main profile, compatibility flags 1 and 2, progressive/interlaced/frame-only constraint
    // bits (0xB0), level 3.1 (93).
    let main: [UInt8] = [1, 0x01, 0x60, 0, 0, 0, 0xB0, 0, 0, 0, 0, 0, 93, 0xF0]
    XCTAssertEqual(CodecString.hvc1(hvcC: main[...]), "hvc1.1.6.L93.B0")
    // Main 10, high tier, level 4 (120), constraints 0x90.
    let main10: [UInt8] = [1, 0x22, 0x20, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, 120, 0xF0]
    XCTAssertEqual(CodecString.hvc1(hvcC: main10[...]), "hvc1.2.4.H120.90")
    XCTAssertEqual(CodecString.mp4a(audioSpecificConfig: [0x12, 0x10][...]), "mp4a.40.2")
    XCTAssertNil(CodecString.avc1(avcC: [0, 1][...]))
  }

  func testAnnexBBecomesLengthPrefixedAndTheMP4FormStaysAsItIs() {
    let sps: [UInt8] = [0x67, 1, 2, 3]
    let pps: [UInt8] = [0x68, 4]
    let idr: [UInt8] = [0x65, 9, 9, 0, 0, 2, 9]  // 00 00 02 inside a unit is not a start code
    let annexB = [0, 0, 0, 1] + sps + [0, 0, 1] + pps + [0, 0, 0, 1] + idr
    XCTAssertTrue(NALUnits.isAnnexB(annexB))
    XCTAssertEqual(NALUnits.split(annexB: annexB).map(Array.init), [sps, pps, idr])
    let mp4 = NALUnits.lengthPrefixed(annexB)
    XCTAssertEqual(mp4, [0, 0, 0, 4] + sps + [0, 0, 0, 2] + pps + [0, 0, 0, 7] + idr)
    XCTAssertFalse(NALUnits.isAnnexB(mp4))
    XCTAssertEqual(NALUnits.lengthPrefixed(mp4), mp4)
  }

  func testAFragmentPointsEachRunAtItsBytes() {
    let video = FragmentWriter.Run(
      trackID: 1, baseDecodeTicks: 7_200_000,
      samples: [
        .init(data: [1, 1, 1], durationTicks: 3600, compositionOffsetTicks: 0, isSync: true),
        .init(data: [2, 2], durationTicks: 3600, compositionOffsetTicks: -3600, isSync: false),
      ])
    let audio = FragmentWriter.Run(
      trackID: 2, baseDecodeTicks: 48_000,
      samples: [.init(data: [3, 3, 3, 3], durationTicks: 1024, isSync: true)])
    let bytes = FragmentWriter.fragment(sequence: 5, runs: [video, audio])
    let reader = BoxReader(bytes: bytes)
    let top = reader.boxes(in: 0..<bytes.count)
    XCTAssertEqual(top.map(\.type), ["moof", "mdat"])
    XCTAssertEqual(Array(bytes[top[1].body]), [1, 1, 1, 2, 2, 3, 3, 3, 3])
    XCTAssertEqual(reader.u32(at: reader.boxes(at: ["moof", "mfhd"])[0].body.lowerBound + 4), 5)
    let trafs = reader.boxes(at: ["moof", "traf"])
    XCTAssertEqual(trafs.count, 2)
    let moofStart = 0
    for (traf, (firstByte, base)) in zip(trafs, [(UInt8(1), UInt64(7_200_000)), (3, 48_000)]) {
      let children = reader.boxes(in: traf.body)
      XCTAssertEqual(children.map(\.type), ["tfhd", "tfdt", "trun"])
      XCTAssertEqual(reader.u32(at: children[0].body.lowerBound) & 0xFF_FFFF, 0x020000)
      XCTAssertEqual(reader.u64(at: children[1].body.lowerBound + 4), base)
      let dataOffset = Int(reader.u32(at: children[2].body.lowerBound + 8))
      XCTAssertEqual(bytes.dropFirst(moofStart + dataOffset).first, firstByte)
    }
    let trun = reader.boxes(in: trafs[0].body)[2]
    // Second sample: duration, size, flags (not a sync sample), composition offset -3600.
    let second = trun.body.lowerBound + 12 + 16
    XCTAssertEqual(reader.u32(at: second + 4), 2)
    XCTAssertEqual(reader.u32(at: second + 8), FragmentWriter.otherSampleFlags)
    XCTAssertEqual(Int32(bitPattern: reader.u32(at: second + 12)), -3600)
  }

  func testAnInitSegmentAndOneFragmentPerFrameReadBackAsTheStreamThatWentIn() throws {
    let camera = SyntheticVideo(fps: 25, gopSeconds: 1, codec: .h264)
    let layout = camera.layout()
    let initSegment = try LiveInitSegment(layout: layout, audio: false)
    XCTAssertEqual(initSegment.tracks.count, 1)
    let track = initSegment.tracks[0]
    XCTAssertTrue(track.codec.hasPrefix("avc1.64") || track.codec.hasPrefix("avc1.42"), track.codec)
    XCTAssertEqual(initSegment.mimeType, "video/mp4; codecs=\"\(track.codec)\"")
    let reader = BoxReader(bytes: initSegment.bytes)
    XCTAssertEqual(
      reader.boxes(in: 0..<initSegment.bytes.count).map(\.type).prefix(2), ["ftyp", "moov"])
    // A live stream to a browser: no duration anywhere, no edit list, one trex.
    XCTAssertTrue(reader.boxes(at: ["moov", "mvex", "mehd"]).isEmpty)
    XCTAssertTrue(reader.boxes(at: ["moov", "trak", "edts"]).isEmpty)
    XCTAssertEqual(reader.boxes(at: ["moov", "mvex", "trex"]).count, 1)

    // Fragments start mid-stream, at a keyframe, as a viewer arriving late would get them.
    let packets = Array(camera.packets(seconds: 4.4, moving: true).dropFirst(25).prefix(75))
    XCTAssertTrue(packets[0].isKeyframe)
    let scale = Double(track.timescale) / 90_000
    var output = initSegment.bytes
    var decodeTicks: UInt64 = 0
    for (n, packet) in packets.enumerated() {
      let duration = UInt32((Double(camera.ticksPerFrame) * scale).rounded())
      let sample = FragmentWriter.Sample(
        data: NALUnits.lengthPrefixed(packet.data), durationTicks: duration,
        isSync: packet.isKeyframe)
      output += FragmentWriter.fragment(
        sequence: UInt32(n + 1),
        runs: [.init(trackID: track.id, baseDecodeTicks: decodeTicks, samples: [sample])])
      decodeTicks += UInt64(duration)
    }
    let path = NSTemporaryDirectory() + "live-" + UUID().uuidString + ".mp4"
    try Data(output).write(to: URL(fileURLWithPath: path))
    addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }

    let probe = try MediaProbe.probe(path: path)
    XCTAssertEqual(probe.videoFrames, 75)
    XCTAssertEqual(probe.durationSeconds, 3.0, accuracy: 0.001)
    XCTAssertEqual(probe.width, 320)
    let decoded = try Self.decodeAll(path)
    XCTAssertEqual(decoded.frames, 75)
    XCTAssertEqual(decoded.damaged, 0)
    XCTAssertEqual(decoded.keyframes, 3)
  }

  func testAStreamTheLiveViewCannotCarryIsRefusedWithItsCodecNamed() {
    var parameters: UnsafeMutablePointer<AVCodecParameters>? = avcodec_parameters_alloc()
    defer { avcodec_parameters_free(&parameters) }
    parameters!.pointee.codec_type = AVMEDIA_TYPE_VIDEO
    parameters!.pointee.codec_id = AV_CODEC_ID_MJPEG
    let layout = StreamLayout(
      describing: [(UnsafePointer(parameters!), Rational(1, 90_000))], frameRate: Rational(5, 1))
    XCTAssertThrowsError(try LiveInitSegment(layout: layout, audio: false)) { error in
      XCTAssertTrue("\(error)".contains("mjpeg"), "\(error)")
    }
  }

  /// Every video packet of a file through FFmpeg's demuxer and decoder.
  static func decodeAll(_ path: String) throws -> (frames: Int, damaged: Int, keyframes: Int) {
    var context: UnsafeMutablePointer<AVFormatContext>?
    guard avformat_open_input(&context, path, nil, nil) >= 0 else { throw MediaError("open") }
    defer { avformat_close_input(&context) }
    guard avformat_find_stream_info(context, nil) >= 0,
      let stream = context!.pointee.streams[0]
    else { throw MediaError("no stream") }
    let decoder = try VideoDecoder(parameters: stream.pointee.codecpar)
    let packet = av_packet_alloc()!
    defer {
      var p: UnsafeMutablePointer<AVPacket>? = packet
      av_packet_free(&p)
    }
    var frames = 0
    var keyframes = 0
    while av_read_frame(context, packet) >= 0 {
      if packet.pointee.flags & AV_PKT_FLAG_KEY != 0 { keyframes += 1 }
      decoder.decode(packet) { _ in frames += 1 }
      av_packet_unref(packet)
    }
    return (frames, decoder.damagedFrames, keyframes)
  }
}
