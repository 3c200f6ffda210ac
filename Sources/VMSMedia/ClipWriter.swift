// Writes packets by stream copy into a fragmented MP4: no decode, no re-encode, the camera's own
// timestamps (shifted so the clip starts at zero).
//
// Fragmented (`empty_moov`, a fragment at each keyframe and at least every second) because a plain
// MP4 keeps its index at the end and is unplayable when the writer dies ("moov atom not found");
// a fragmented one keeps everything up to its last complete fragment, so a kill -9 loses about 1 s.
import CFFmpeg
import Foundation

public final class ClipWriter {
  private var context: UnsafeMutablePointer<AVFormatContext>?
  private let packet: UnsafeMutablePointer<AVPacket>
  /// Input stream index -> output stream index.
  private var outputIndex: [Int: Int32] = [:]
  private var inputTimeBase: [Int: Rational] = [:]
  private var outputTimeBase: [Int: Rational] = [:]
  private var lastOutputDts: [Int: Int64] = [:]
  private var baseSeconds: Double
  private let videoIndex: Int
  private var firstVideoPts: Int64?
  private var lastVideoEnd: Int64 = 0
  private var lastVideoPts: Int64?
  private var videoFrameInterval: Int64 = 0
  private var videoTimeBase: Rational
  public let path: String
  public private(set) var bytesWritten: Int64 = 0
  public private(set) var packetsWritten = 0

  /// `start` is the first packet of the clip (a video keyframe); its time becomes zero.
  /// `startedAtMs`, the wall time of that first frame, is written as the file's creation time, so
  /// the file says when it was recorded whatever its name (a rebuilt index dates it by that).
  public init(path: String, layout: StreamLayout, start: MediaPacket, startedAtMs: Int64)
    throws(MediaError)
  {
    self.path = path
    guard let video = layout.video, let packet = av_packet_alloc() else {
      throw MediaError("no video stream to record")
    }
    self.packet = packet
    videoIndex = video.index
    videoTimeBase = video.timeBase
    baseSeconds = video.timeBase.seconds(start.dts)

    var context: UnsafeMutablePointer<AVFormatContext>?
    var result = avformat_alloc_output_context2(&context, nil, "mp4", path)
    guard result >= 0, let context else {
      var p: UnsafeMutablePointer<AVPacket>? = packet
      av_packet_free(&p)
      throw MediaError.fromFFmpeg(result, while: "cannot create \(path)")
    }
    self.context = context

    for stream in layout.streams
    where stream.isVideo && stream.index == video.index || Self.canCopyAudio(stream) {
      guard let out = avformat_new_stream(context, nil) else { continue }
      avcodec_parameters_copy(out.pointee.codecpar, stream.parameters)
      out.pointee.codecpar.pointee.codec_tag = Self.mp4Tag(stream.parameters)
      out.pointee.time_base = stream.timeBase.av
      if stream.isVideo && stream.frameRate.num > 0 {
        out.pointee.avg_frame_rate = stream.frameRate.av
        out.pointee.r_frame_rate = stream.frameRate.av
      }
      outputIndex[stream.index] = out.pointee.index
      inputTimeBase[stream.index] = stream.timeBase
    }

    av_dict_set(
      &context.pointee.metadata, "creation_time", ClipCreationTime.text(ms: startedAtMs), 0)
    result = avio_open(&context.pointee.pb, path, AVIO_FLAG_WRITE)
    if result < 0 {
      avformat_free_context(context)
      self.context = nil
      var p: UnsafeMutablePointer<AVPacket>? = packet
      av_packet_free(&p)
      throw MediaError.fromFFmpeg(result, while: "cannot create \(path)")
    }
    // Push each fragment to the file as soon as the muxer emits it, not when a 32 kB buffer fills.
    context.pointee.flags |= AVFMT_FLAG_FLUSH_PACKETS
    var options: OpaquePointer? = nil
    av_dict_set(&options, "movflags", "frag_keyframe+empty_moov+default_base_moof", 0)
    av_dict_set(&options, "frag_duration", "1000000", 0)
    result = avformat_write_header(context, &options)
    av_dict_free(&options)
    if result < 0 {
      avio_closep(&context.pointee.pb)
      avformat_free_context(context)
      self.context = nil
      var p: UnsafeMutablePointer<AVPacket>? = packet
      av_packet_free(&p)
      throw MediaError.fromFFmpeg(result, while: "cannot write the header of \(path)")
    }
    for (input, output) in outputIndex {
      if let stream = context.pointee.streams[Int(output)] {
        outputTimeBase[input] = Rational(stream.pointee.time_base)
      }
    }
  }

  /// AAC copies into MP4 as is. G.711 has no MP4 sample entry in this FFmpeg, so it is left out
  /// (with a log line from the caller) rather than failing the whole clip.
  /// The sample entry to write: `hvc1` for H.265 whose parameter sets are known up front (Safari
  /// and Chrome play H.265 in MP4 only under that tag; FFmpeg's default, `hev1`, they refuse), and
  /// FFmpeg's choice (0) for everything else, or for H.265 that carries its parameter sets in-band only.
  public static func mp4Tag(_ parameters: UnsafePointer<AVCodecParameters>) -> UInt32 {
    guard parameters.pointee.codec_id == AV_CODEC_ID_HEVC, parameters.pointee.extradata_size > 0
    else { return 0 }
    return UInt32(UInt8(ascii: "h")) | UInt32(UInt8(ascii: "v")) << 8 | UInt32(UInt8(ascii: "c"))
      << 16
      | UInt32(UInt8(ascii: "1")) << 24
  }

  public static func canCopyAudio(_ stream: StreamLayout.Stream) -> Bool {
    stream.isAudio && stream.codecName == "aac"
  }

  deinit {
    if context != nil { _ = try? finish() }
    var p: UnsafeMutablePointer<AVPacket>? = packet
    av_packet_free(&p)
  }

  /// Writes one packet. Packets of streams that are not recorded, or from before the clip's start,
  /// are skipped.
  public func write(_ media: MediaPacket) throws(MediaError) {
    guard let context, let output = outputIndex[media.streamIndex],
      let inTB = inputTimeBase[media.streamIndex], let outTB = outputTimeBase[media.streamIndex]
    else { return }
    let base = Int64((baseSeconds / inTB.asDouble).rounded())
    var dts = inTB.rescale(media.dts - base, to: outTB)
    var pts = inTB.rescale(media.pts - base, to: outTB)
    if dts < 0 && media.streamIndex != videoIndex { return }
    if let last = lastOutputDts[media.streamIndex], dts <= last {
      pts += last + 1 - dts
      dts = last + 1
    }
    if pts < dts { pts = dts }
    lastOutputDts[media.streamIndex] = dts

    av_packet_unref(packet)
    guard av_new_packet(packet, Int32(media.data.count)) >= 0 else {
      throw MediaError("out of memory")
    }
    media.data.withUnsafeBufferPointer { source in
      packet.pointee.data.update(from: source.baseAddress!, count: source.count)
    }
    packet.pointee.stream_index = output
    packet.pointee.pts = pts
    packet.pointee.dts = dts
    packet.pointee.duration = inTB.rescale(media.duration, to: outTB)
    packet.pointee.flags = media.isKeyframe ? AV_PKT_FLAG_KEY : 0
    let result = av_write_frame(context, packet)
    if result < 0 { throw MediaError.fromFFmpeg(result, while: "cannot write to \(path)") }
    bytesWritten += Int64(media.data.count)
    packetsWritten += 1
    if media.streamIndex == videoIndex {
      if firstVideoPts == nil { firstVideoPts = media.pts }
      // RTP packets often carry no duration: the last frame lasts one frame interval, the smallest
      // step between presentation times (with B-frames, packets come out of display order and the
      // step from one packet to the next can span several frames).
      if let last = lastVideoPts, media.pts != last {
        let step = abs(media.pts - last)
        videoFrameInterval = videoFrameInterval > 0 ? min(videoFrameInterval, step) : step
      }
      lastVideoPts = media.pts
      let end = media.pts + (media.duration > 0 ? media.duration : videoFrameInterval)
      lastVideoEnd = max(lastVideoEnd, end)
    }
  }

  /// Seconds of video written so far, from the camera's timestamps.
  public var durationSeconds: Double {
    guard let first = firstVideoPts else { return 0 }
    return videoTimeBase.seconds(lastVideoEnd - first)
  }

  /// Completes the file (last fragment, trailer), flushes it to disk and closes it. Returns its size.
  @discardableResult
  public func finish() throws(MediaError) -> Int64 {
    guard let context else { return 0 }
    self.context = nil
    let result = av_write_trailer(context)
    if let pb = context.pointee.pb { avio_flush(pb) }
    avio_closep(&context.pointee.pb)
    avformat_free_context(context)
    // The clip must survive a power cut once it is marked complete.
    let fd = open(path, O_RDONLY)
    if fd >= 0 {
      fsync(fd)
      Foundation.close(fd)
    }
    if result < 0 { throw MediaError.fromFFmpeg(result, while: "cannot finish \(path)") }
    let attributes = try? FileManager.default.attributesOfItem(atPath: path)
    return (attributes?[.size] as? NSNumber)?.int64Value ?? bytesWritten
  }
}
