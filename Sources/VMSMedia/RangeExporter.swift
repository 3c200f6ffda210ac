// Copies the footage of a time range, spread over several clip files, into one MP4: stream copy (no
// decode, no encode) of the video and AAC audio, timestamps continuous from file to file.
//
// - Start: the first file is read from its keyframe at or before the range's start; the output's
//   time zero is the start itself, so the frames of that GOP before it get negative times and the
//   MP4 muxer writes an edit list: players (FFmpeg, browsers) begin at the start, and the duration
//   is the range's.
// - End: video stops at the first frame presented or decoded at or after the range's end, so no
//   frame is written without the frames it refers to (with B-frames, the last couple of frames
//   before the end may go too); audio stops at the end.
// - Holes (events-mode clips, an outage): the next file follows the previous one at once, so the
//   output skips the hole (its duration is the footage's, not the range's) and plays on without a
//   pause. `Outcome.skippedMs` says how much was skipped.
// - Files: written to `partialPath`, fsynced, renamed to `finalPath`, the folder fsynced; on any
//   failure or cancellation the partial file is removed and nothing is left.
// - A plain MP4 (not fragmented) with its index at the front (`faststart`), as players and mail
//   attachments expect; the index is written last, so a crash leaves only the partial name.
import CFFmpeg
import Foundation

public enum RangeExporter {
  /// One clip file and the wall time of its time zero (its row's start).
  public struct Source: Sendable, Equatable {
    public var path: String
    public var startMs: Int64
    /// How messages name the file: relative to the data folder (`door/2026-12-07/15-02-00.mp4`),
    /// never its absolute path, which the people who read them need not know.
    public var name: String
    /// The local time of `startMs` as messages give it (`2026-12-07 15:02:00`).
    public var localStart: String

    /// By default `name` is the file's name and `localStart` in the process's time zone.
    public init(path: String, startMs: Int64, name: String? = nil, localStart: String? = nil) {
      self.path = path
      self.startMs = startMs
      self.name = name ?? (path as NSString).lastPathComponent
      self.localStart = localStart ?? Self.localText(ms: startMs)
    }

    static func localText(ms: Int64) -> String {
      var seconds = time_t(ms / 1000)
      var parts = tm()
      localtime_r(&seconds, &parts)
      return String(
        format: "%04d-%02d-%02d %02d:%02d:%02d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
        Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }
  }

  public struct Outcome: Sendable, Equatable {
    public var sizeBytes: Int64
    /// Presented video, seconds: from the range's start (or the first footage) to the last frame's end.
    public var durationSeconds: Double
    /// Video packets written, the GOP before the start included.
    public var videoPackets: Int
    /// Wall time between files that no footage covers, left out of the output.
    public var skippedMs: Int64
  }

  public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
    case cancelled
    case diskFull
    case noFootage
    case failed(String)

    public var description: String {
      switch self {
      case .cancelled: return "cancelled"
      case .diskFull: return "the disk is full: free space or lower retention, then export again"
      case .noFootage:
        return "no footage was found in the range (it may have been deleted meanwhile)"
      case .failed(let reason): return reason
      }
    }
  }

  /// Writes `[startMs, endMs)` of `sources` (by start, as the index lists them) to `finalPath`.
  /// `progress` gets 0...1 (at most every 1 %); `isCancelled` is asked every few packets.
  public static func export(
    sources: [Source], startMs: Int64, endMs: Int64, partialPath: String, finalPath: String,
    progress: (Double) -> Void = { _ in }, isCancelled: () -> Bool = { false }
  ) throws(Failure) -> Outcome {
    let writer: Writer
    do throws(Failure) {
      writer = try Writer(partialPath: partialPath)
    } catch {
      unlink(partialPath)
      throw error
    }
    do throws(Failure) {
      var position = Position(startMs: startMs, endMs: endMs)
      for source in sources {
        if position.finished { break }
        if isCancelled() { throw Failure.cancelled }
        try copy(
          source, into: writer, position: &position, progress: progress, isCancelled: isCancelled)
      }
      guard writer.videoPackets > 0 else { throw Failure.noFootage }
      let durationSeconds = writer.videoEndSeconds
      try writer.finish()
      try durablyRename(partialPath, to: finalPath)
      let attributes = try? FileManager.default.attributesOfItem(atPath: finalPath)
      return Outcome(
        sizeBytes: (attributes?[.size] as? NSNumber)?.int64Value ?? 0,
        durationSeconds: durationSeconds, videoPackets: writer.videoPackets,
        skippedMs: position.skippedMs)
    } catch {
      writer.abandon()
      unlink(partialPath)
      throw error
    }
  }

  /// Where the copy is, across files.
  struct Position {
    let startMs: Int64
    let endMs: Int64
    /// Wall time of the end of the last file's footage that was written.
    var lastWallEndMs: Int64?
    var skippedMs: Int64 = 0
    var finished = false
    var reported = 0.0

    init(startMs: Int64, endMs: Int64) {
      self.startMs = startMs
      self.endMs = endMs
    }

    /// The fraction done when `wallMs` is reached, when it is worth reporting (1 % more).
    mutating func fraction(atWallMs wallMs: Int64) -> Double? {
      let fraction = min(1, max(0, Double(wallMs - startMs) / Double(max(1, endMs - startMs))))
      guard fraction >= reported + 0.01 else { return nil }
      reported = fraction
      return fraction
    }
  }

  // MARK: One file

  private static func copy(
    _ source: Source, into writer: Writer, position: inout Position,
    progress: (Double) -> Void, isCancelled: () -> Bool
  ) throws(Failure) {
    var input: UnsafeMutablePointer<AVFormatContext>?
    var result = avformat_open_input(&input, source.path, nil, nil)
    guard result >= 0, let context = input else {
      throw Failure.failed(
        "cannot read the footage file \(source.name) (\(MediaError.text(result))): it may have been deleted meanwhile; export again"
      )
    }
    defer { avformat_close_input(&input) }
    result = avformat_find_stream_info(context, nil)
    if result < 0 {
      throw Failure.failed(
        "cannot read the footage file \(source.name) (\(MediaError.text(result)))")
    }
    let videoIndex = Int(av_find_best_stream(context, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0))
    guard videoIndex >= 0, let videoStream = context.pointee.streams[videoIndex] else {
      return  // nothing to show in it
    }
    var audioIndex: Int?
    for index in 0..<Int(context.pointee.nb_streams) {
      if let stream = context.pointee.streams[index],
        stream.pointee.codecpar.pointee.codec_id == AV_CODEC_ID_AAC
      {
        audioIndex = index
        break
      }
    }
    try writer.prepare(
      video: videoStream, audio: audioIndex.flatMap { context.pointee.streams[$0] },
      localStart: source.localStart)

    let videoTB = Rational(videoStream.pointee.time_base)
    func fileTicks(wallMs: Int64) -> Int64 {
      Rational(1, 1000).rescale(wallMs - source.startMs, to: videoTB)
    }
    let endTicks = fileTicks(wallMs: position.endMs)
    // The first file written from starts at the keyframe at or before the range's start, and the
    // start is the output's zero; every later file follows the previous one.
    let isFirst = writer.videoPackets == 0
    let startTicks = isFirst ? max(0, fileTicks(wallMs: position.startMs)) : 0
    var pending: [UnsafeMutablePointer<AVPacket>] = []
    defer {
      for packet in pending {
        var p: UnsafeMutablePointer<AVPacket>? = packet
        av_packet_free(&p)
      }
    }
    var started = false
    var shiftTicks: Int64 = 0  // output = file + shift, in the video's ticks
    var lastVideoEnd: Int64?
    var frameStep: Int64 = 0
    var lastPts: Int64?
    var videoEnded = false
    var count = 0

    guard let packet = av_packet_alloc() else { throw Failure.failed("out of memory") }
    defer {
      var p: UnsafeMutablePointer<AVPacket>? = packet
      av_packet_free(&p)
    }

    func begin(at first: UnsafeMutablePointer<AVPacket>) {
      started = true
      let firstDts = first.pointee.dts
      if isFirst {
        // Zero is the range's start, or the first keyframe when the footage begins after it.
        shiftTicks = -max(startTicks, first.pointee.pts)
      } else {
        shiftTicks = writer.videoEndTicks(in: videoTB) - firstDts
        if let last = position.lastWallEndMs {
          position.skippedMs += max(0, source.startMs - last)
        }
      }
    }

    func send(_ packet: UnsafeMutablePointer<AVPacket>) throws(Failure) {
      let index = Int(packet.pointee.stream_index)
      let isVideo = index == videoIndex
      let inTB = Rational(context.pointee.streams[index]!.pointee.time_base)
      if isVideo {
        let pts = packet.pointee.pts
        if let lastPts, pts != lastPts {
          let step = abs(pts - lastPts)
          frameStep = frameStep > 0 ? min(frameStep, step) : step
        }
        lastPts = pts
        let end = pts + (packet.pointee.duration > 0 ? packet.pointee.duration : frameStep)
        lastVideoEnd = max(lastVideoEnd ?? end, end)
        let wallMs = source.startMs + Rational(1, 1000).inverseRescale(pts, from: videoTB)
        if let fraction = position.fraction(atWallMs: wallMs) { progress(fraction) }
      }
      try writer.write(
        packet, video: isVideo, inputTimeBase: inTB, shift: shiftTicks, shiftTimeBase: videoTB)
    }

    while true {
      count += 1
      if count % 16 == 0, isCancelled() { throw Failure.cancelled }
      result = av_read_frame(context, packet)
      if result == vms_averror_eof() { break }
      if result < 0 {
        // A clip still being recorded ends in a fragment being written: what came before is kept.
        if result == vms_averror_invaliddata() { break }
        throw Failure.failed(
          "cannot read the footage file \(source.name) (\(MediaError.text(result)))")
      }
      defer { av_packet_unref(packet) }
      let index = Int(packet.pointee.stream_index)
      guard index == videoIndex || index == audioIndex else { continue }
      if packet.pointee.dts == vms_nopts() { continue }
      if packet.pointee.pts == vms_nopts() { packet.pointee.pts = packet.pointee.dts }
      let isVideo = index == videoIndex
      // File time of this packet in the video's ticks, for the range's bounds.
      let pts =
        isVideo
        ? packet.pointee.pts
        : Rational(context.pointee.streams[index]!.pointee.time_base).rescale(
          packet.pointee.pts, to: videoTB)
      if isVideo && packet.pointee.dts >= endTicks {
        position.finished = true
        break
      }
      // Video stops at the first frame presented at or after the end: B-frames after it in decode
      // order (before it in display order) may refer to it, so none of them is written either.
      if isVideo && (videoEnded || pts >= endTicks) {
        videoEnded = true
        continue
      }
      if pts >= endTicks { continue }

      if !started {
        let isKey = isVideo && packet.pointee.flags & AV_PKT_FLAG_KEY != 0
        if isKey && packet.pointee.pts <= startTicks {
          // A later keyframe still at or before the start: the GOP to keep begins here.
          for old in pending {
            var p: UnsafeMutablePointer<AVPacket>? = old
            av_packet_free(&p)
          }
          pending = []
        }
        if isKey || !pending.isEmpty {
          guard let copy = av_packet_clone(packet) else { throw Failure.failed("out of memory") }
          pending.append(copy)
        }
        let reached =
          isVideo && packet.pointee.pts > startTicks || isKey && packet.pointee.pts >= startTicks
        guard reached, let first = pending.first else { continue }
        begin(at: first)
        for held in pending { try send(held) }
        for old in pending {
          var p: UnsafeMutablePointer<AVPacket>? = old
          av_packet_free(&p)
        }
        pending = []
        continue
      }
      try send(packet)
    }
    if started, let lastVideoEnd {
      position.lastWallEndMs =
        source.startMs + Rational(1, 1000).inverseRescale(lastVideoEnd, from: videoTB)
    }
  }

  /// Fsyncs `from`, renames it to `to`, fsyncs the folder. A file that cannot be opened to be
  /// fsynced is an error: renamed unsynced, a crash could leave a "done" export empty.
  static func durablyRename(_ from: String, to: String) throws(Failure) {
    let descriptor = open(from, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else {
      throw failureFromErrno(errno, while: "cannot open the export to save it to disk")
    }
    let synced = fsync(descriptor)
    let failure = errno
    close(descriptor)
    if synced != 0 { throw failureFromErrno(failure, while: "cannot save the export to disk") }
    guard rename(from, to) == 0 else {
      throw failureFromErrno(errno, while: "cannot move the export into place")
    }
    let folder = open(
      (to as NSString).deletingLastPathComponent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if folder >= 0 {
      fsync(folder)
      close(folder)
    }
  }

  static func failureFromErrno(_ code: Int32, while action: String) -> Failure {
    if code == ENOSPC || code == EDQUOT { return .diskFull }
    return .failed("\(action): \(String(cString: strerror(code)))")
  }

  static func failureFromFFmpeg(_ code: Int32, while action: String) -> Failure {
    if code == -ENOSPC || code == -EDQUOT { return .diskFull }
    return .failed("\(action): \(MediaError.text(code))")
  }
}

/// What a decoder of the output needs to be the same from file to file.
struct VideoFormat: Equatable {
  var codec: AVCodecID
  var width: Int32
  var height: Int32
  /// SPS/PPS (avcC, hvcC).
  var extradata: [UInt8]

  init(_ parameters: UnsafeMutablePointer<AVCodecParameters>) {
    codec = parameters.pointee.codec_id
    width = parameters.pointee.width
    height = parameters.pointee.height
    extradata = Self.bytes(parameters)
  }

  static func bytes(_ parameters: UnsafeMutablePointer<AVCodecParameters>) -> [UInt8] {
    guard let data = parameters.pointee.extradata, parameters.pointee.extradata_size > 0 else {
      return []
    }
    return Array(UnsafeBufferPointer(start: data, count: Int(parameters.pointee.extradata_size)))
  }

  /// What changed from `self` to `other`, in words; nil when nothing did.
  func change(to other: VideoFormat) -> String? {
    if codec != other.codec || width != other.width || height != other.height {
      return
        "\(String(cString: avcodec_get_name(codec))) \(width)x\(height) to \(String(cString: avcodec_get_name(other.codec))) \(other.width)x\(other.height)"
    }
    return extradata == other.extradata ? nil : "new SPS/PPS"
  }
}

struct AudioFormat: Equatable {
  var sampleRate: Int32
  var channels: Int32
  /// The AAC configuration (AudioSpecificConfig).
  var extradata: [UInt8]

  init(_ parameters: UnsafeMutablePointer<AVCodecParameters>) {
    sampleRate = parameters.pointee.sample_rate
    channels = parameters.pointee.ch_layout.nb_channels
    extradata = VideoFormat.bytes(parameters)
  }

  func change(to other: AudioFormat) -> String? {
    if sampleRate != other.sampleRate || channels != other.channels {
      return
        "AAC \(sampleRate) Hz \(channels) channel(s) to \(other.sampleRate) Hz \(other.channels) channel(s)"
    }
    return extradata == other.extradata ? nil : "new AAC configuration"
  }
}

extension Rational {
  /// `ticks` of `other` in this time base (milliseconds, when this is 1/1000).
  fileprivate func inverseRescale(_ ticks: Int64, from other: Rational) -> Int64 {
    other.rescale(ticks, to: self)
  }
}

// MARK: - The output file

extension RangeExporter {
  /// The MP4 being written: its streams come from the first file's video and AAC audio.
  final class Writer {
    private var context: UnsafeMutablePointer<AVFormatContext>?
    private let packet: UnsafeMutablePointer<AVPacket>
    private let path: String
    private var videoOut: Int32 = -1
    private var audioOut: Int32?
    private var videoFormat: VideoFormat?
    private var audioFormat: AudioFormat?
    private var lastDts: [Int32: Int64] = [:]
    /// End of the written video (presentation), in the output video stream's ticks.
    private var videoEnd: Int64 = 0
    private var frameStep: Int64 = 0
    private var lastVideoPts: Int64?
    private(set) var videoPackets = 0

    init(partialPath: String) throws(Failure) {
      path = partialPath
      guard let packet = av_packet_alloc() else { throw Failure.failed("out of memory") }
      self.packet = packet
      var context: UnsafeMutablePointer<AVFormatContext>?
      let result = avformat_alloc_output_context2(&context, nil, "mp4", partialPath)
      guard result >= 0, let context else {
        var p: UnsafeMutablePointer<AVPacket>? = packet
        av_packet_free(&p)
        throw RangeExporter.failureFromFFmpeg(result, while: "cannot create the export file")
      }
      self.context = context
    }

    deinit {
      abandon()
      var p: UnsafeMutablePointer<AVPacket>? = packet
      av_packet_free(&p)
    }

    /// The output's streams, from the first file; a later file must carry the same video (codec,
    /// size and SPS/PPS) and, when both have AAC audio, the same audio (rate, channels and
    /// configuration): the output has one set of parameters for its whole length, and frames
    /// decoded with another would be garbage. `localStart`: when the file begins, for the message.
    func prepare(
      video: UnsafeMutablePointer<AVStream>, audio: UnsafeMutablePointer<AVStream>?,
      localStart: String
    ) throws(Failure) {
      let format = VideoFormat(video.pointee.codecpar)
      if let videoFormat {
        if let change = videoFormat.change(to: format) {
          throw Failure.failed(
            "the camera's video changed at \(localStart) (\(change)): export the parts before and after that time separately"
          )
        }
        if let audioFormat, let audio,
          let change = audioFormat.change(to: AudioFormat(audio.pointee.codecpar))
        {
          throw Failure.failed(
            "the camera's audio changed at \(localStart) (\(change)): export the parts before and after that time separately"
          )
        }
        return
      }
      guard let context else { throw Failure.failed("the export was closed") }
      videoFormat = format
      guard let out = avformat_new_stream(context, nil) else {
        throw Failure.failed("out of memory")
      }
      avcodec_parameters_copy(out.pointee.codecpar, video.pointee.codecpar)
      out.pointee.codecpar.pointee.codec_tag = ClipWriter.mp4Tag(video.pointee.codecpar)
      out.pointee.time_base = video.pointee.time_base
      if video.pointee.avg_frame_rate.num > 0 {
        out.pointee.avg_frame_rate = video.pointee.avg_frame_rate
      }
      videoOut = out.pointee.index
      if let audio, let outAudio = avformat_new_stream(context, nil) {
        audioFormat = AudioFormat(audio.pointee.codecpar)
        avcodec_parameters_copy(outAudio.pointee.codecpar, audio.pointee.codecpar)
        outAudio.pointee.codecpar.pointee.codec_tag = 0
        outAudio.pointee.time_base = audio.pointee.time_base
        audioOut = outAudio.pointee.index
      }
      var result = avio_open(&context.pointee.pb, path, AVIO_FLAG_WRITE)
      if result < 0 {
        throw RangeExporter.failureFromFFmpeg(result, while: "cannot create the export file")
      }
      var options: OpaquePointer? = nil
      av_dict_set(&options, "movflags", "+faststart", 0)
      result = avformat_write_header(context, &options)
      av_dict_free(&options)
      if result < 0 {
        throw RangeExporter.failureFromFFmpeg(result, while: "cannot write the export file")
      }
    }

    private func timeBase(_ index: Int32) -> Rational {
      Rational(context!.pointee.streams[Int(index)]!.pointee.time_base)
    }

    /// The end of the written video in `timeBase` ticks.
    func videoEndTicks(in other: Rational) -> Int64 {
      guard context != nil, videoOut >= 0 else { return 0 }
      return timeBase(videoOut).rescale(videoEnd, to: other)
    }

    var videoEndSeconds: Double {
      guard context != nil, videoOut >= 0 else { return 0 }
      return timeBase(videoOut).seconds(videoEnd)
    }

    /// Writes a copy of `source` at its time plus `shift` (in `shiftTimeBase`). Audio that would
    /// not follow what was written (overlap between files) is left out; video is nudged forward.
    func write(
      _ source: UnsafeMutablePointer<AVPacket>, video: Bool, inputTimeBase: Rational, shift: Int64,
      shiftTimeBase: Rational
    ) throws(Failure) {
      guard let context else { return }
      let chosen: Int32? = video ? videoOut : audioOut
      guard let output = chosen, output >= 0 else { return }
      let outTB = timeBase(output)
      let offset = shiftTimeBase.rescale(shift, to: outTB)
      var dts = inputTimeBase.rescale(source.pointee.dts, to: outTB) + offset
      var pts = inputTimeBase.rescale(source.pointee.pts, to: outTB) + offset
      if let last = lastDts[output], dts <= last {
        guard video else { return }
        pts += last + 1 - dts
        dts = last + 1
      }
      if pts < dts { pts = dts }
      lastDts[output] = dts
      av_packet_unref(packet)
      guard av_packet_ref(packet, source) >= 0 else { throw Failure.failed("out of memory") }
      packet.pointee.stream_index = output
      packet.pointee.dts = dts
      packet.pointee.pts = pts
      packet.pointee.duration = inputTimeBase.rescale(source.pointee.duration, to: outTB)
      packet.pointee.pos = -1
      if video {
        videoPackets += 1
        if let lastVideoPts, pts != lastVideoPts {
          let step = abs(pts - lastVideoPts)
          frameStep = frameStep > 0 ? min(frameStep, step) : step
        }
        lastVideoPts = pts
        videoEnd = max(
          videoEnd, pts + (packet.pointee.duration > 0 ? packet.pointee.duration : frameStep))
      }
      let result = av_interleaved_write_frame(context, packet)
      if result < 0 {
        throw RangeExporter.failureFromFFmpeg(result, while: "cannot write the export file")
      }
    }

    /// The trailer (and the index moved to the front), then the file is closed.
    func finish() throws(Failure) {
      guard let context else { return }
      self.context = nil
      var result = av_write_trailer(context)
      if let pb = context.pointee.pb {
        avio_flush(pb)
        if result >= 0, pb.pointee.error < 0 { result = pb.pointee.error }
      }
      let closed = avio_closep(&context.pointee.pb)
      avformat_free_context(context)
      if result >= 0 { result = closed }
      if result < 0 {
        throw RangeExporter.failureFromFFmpeg(result, while: "cannot finish the export file")
      }
    }

    /// Closes without finishing (the caller removes the file).
    func abandon() {
      guard let context else { return }
      self.context = nil
      if context.pointee.pb != nil { avio_closep(&context.pointee.pb) }
      avformat_free_context(context)
    }
  }
}
