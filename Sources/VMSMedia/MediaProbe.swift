// Reads a clip file to the end to learn what is playable in it: used to repair clips a crash left
// half-written. A fragmented MP4 cut short keeps every complete fragment; reading packets (rather
// than trusting the header's duration, which an empty moov does not have) finds them.
import CFFmpeg
import Foundation

public struct ProbeResult: Sendable, Equatable {
  public var durationSeconds: Double
  public var videoFrames: Int
  public var width: Int
  public var height: Int
  public var codecName: String
  /// The file's creation time (epoch ms, to the second), when it carries one.
  public var createdAtMs: Int64? = nil
}

public enum MediaProbe {
  public static func probe(path: String) throws(MediaError) -> ProbeResult {
    var context: UnsafeMutablePointer<AVFormatContext>?
    var result = avformat_open_input(&context, path, nil, nil)
    guard result >= 0, context != nil else {
      throw MediaError.fromFFmpeg(result, while: "cannot open \(path)")
    }
    defer { avformat_close_input(&context) }
    result = avformat_find_stream_info(context, nil)
    if result < 0 { throw MediaError.fromFFmpeg(result, while: "cannot read \(path)") }
    let videoIndex = av_find_best_stream(context, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0)
    guard videoIndex >= 0, let stream = context!.pointee.streams[Int(videoIndex)] else {
      throw MediaError("\(path) has no video")
    }
    let timeBase = Rational(stream.pointee.time_base)
    let frameRate = Rational(stream.pointee.avg_frame_rate)
    guard let packet = av_packet_alloc() else { throw MediaError("out of memory") }
    defer {
      var p: UnsafeMutablePointer<AVPacket>? = packet
      av_packet_free(&p)
    }
    var first: Int64?
    var end: Int64 = 0
    var frames = 0
    while av_read_frame(context, packet) >= 0 {
      defer { av_packet_unref(packet) }
      guard packet.pointee.stream_index == videoIndex, packet.pointee.pts != vms_nopts() else {
        continue
      }
      frames += 1
      let pts = packet.pointee.pts
      first = min(first ?? pts, pts)
      var duration = packet.pointee.duration
      if duration <= 0, frameRate.num > 0 {
        duration = Int64((1 / frameRate.asDouble / timeBase.asDouble).rounded())
      }
      end = max(end, pts + max(duration, 0))
    }
    guard let first, frames > 0 else { throw MediaError("\(path) holds no complete video frame") }
    var createdAtMs: Int64?
    if let entry = av_dict_get(context!.pointee.metadata, "creation_time", nil, 0),
      let value = entry.pointee.value
    {
      createdAtMs = ClipCreationTime.ms(text: String(cString: value))
    }
    return ProbeResult(
      durationSeconds: timeBase.seconds(end - first), videoFrames: frames,
      width: Int(stream.pointee.codecpar.pointee.width),
      height: Int(stream.pointee.codecpar.pointee.height),
      codecName: String(cString: avcodec_get_name(stream.pointee.codecpar.pointee.codec_id)),
      createdAtMs: createdAtMs)
  }
}
