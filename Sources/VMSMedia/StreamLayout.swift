// The streams of one opened input, with owned copies of their codec parameters: what a recorder
// needs to create a clip file's tracks long after (and on another thread than) the demuxer.
import CFFmpeg
import Foundation

public final class StreamLayout: @unchecked Sendable {
  // Immutable after init, and the codec parameters are owned copies: sharing across threads is safe.
  public struct Stream {
    public var index: Int
    public var isVideo: Bool
    public var isAudio: Bool
    public var codecName: String
    public var timeBase: Rational
    /// Frames per second the demuxer guessed (video), or 0.
    public var frameRate: Rational
    public var width: Int
    public var height: Int
    public var parameters: UnsafeMutablePointer<AVCodecParameters>
  }

  public let streams: [Stream]

  /// `rateUnknown`: the source has no real timing (MJPEG over HTTP), so FFmpeg's frame rate is a guess
  /// not worth writing into clips.
  public init(context: UnsafeMutablePointer<AVFormatContext>, rateUnknown: Bool = false) {
    var streams: [Stream] = []
    for i in 0..<Int(context.pointee.nb_streams) {
      guard let stream = context.pointee.streams[i], let source = stream.pointee.codecpar,
        let copy = avcodec_parameters_alloc()
      else { continue }
      avcodec_parameters_copy(copy, source)
      let rate =
        stream.pointee.avg_frame_rate.num > 0
        ? stream.pointee.avg_frame_rate : stream.pointee.r_frame_rate
      streams.append(
        Stream(
          index: i,
          isVideo: source.pointee.codec_type == AVMEDIA_TYPE_VIDEO,
          isAudio: source.pointee.codec_type == AVMEDIA_TYPE_AUDIO,
          codecName: String(cString: avcodec_get_name(source.pointee.codec_id)),
          timeBase: Rational(stream.pointee.time_base),
          frameRate: rateUnknown ? Rational(0, 1) : Rational(rate),
          width: Int(source.pointee.width),
          height: Int(source.pointee.height),
          parameters: copy))
    }
    self.streams = streams
  }

  /// Streams described by codec parameters (copied) rather than read from a demuxer: an encoder's
  /// output, or a scripted source in the engine's tests. Stream `i` gets index `i`.
  public convenience init(
    describing streams: [(parameters: UnsafePointer<AVCodecParameters>, timeBase: Rational)],
    frameRate: Rational
  ) {
    var copies: [Stream] = []
    for (i, stream) in streams.enumerated() {
      guard let copy = avcodec_parameters_alloc() else { continue }
      avcodec_parameters_copy(copy, stream.parameters)
      let source = stream.parameters.pointee
      copies.append(
        Stream(
          index: i, isVideo: source.codec_type == AVMEDIA_TYPE_VIDEO,
          isAudio: source.codec_type == AVMEDIA_TYPE_AUDIO,
          codecName: String(cString: avcodec_get_name(source.codec_id)),
          timeBase: stream.timeBase,
          frameRate: source.codec_type == AVMEDIA_TYPE_VIDEO ? frameRate : Rational(0, 1),
          width: Int(source.width), height: Int(source.height), parameters: copy))
    }
    self.init(owning: copies)
  }

  /// Takes ownership of the streams' codec parameters.
  private init(owning streams: [Stream]) {
    self.streams = streams
  }

  /// The same layout with one stream's codec replaced (audio transcoded before recording).
  public func replacing(
    _ index: Int, parameters: UnsafePointer<AVCodecParameters>, timeBase: Rational,
    codecName: String
  ) -> StreamLayout {
    let copies = streams.map { stream in
      var copy = stream
      copy.parameters = avcodec_parameters_alloc()
      if stream.index == index {
        avcodec_parameters_copy(copy.parameters, parameters)
        copy.timeBase = timeBase
        copy.codecName = codecName
      } else {
        avcodec_parameters_copy(copy.parameters, stream.parameters)
      }
      return copy
    }
    return StreamLayout(owning: copies)
  }

  deinit {
    for stream in streams {
      var pointer: UnsafeMutablePointer<AVCodecParameters>? = stream.parameters
      avcodec_parameters_free(&pointer)
    }
  }

  /// The first video stream: the one recorded and analysed.
  public var video: Stream? { streams.first { $0.isVideo } }

  /// A short human description, for logs: "h264 1920x1080 25 fps + aac".
  public var summary: String {
    var parts: [String] = []
    if let v = video {
      parts.append(
        "\(v.codecName) \(v.width)x\(v.height) \(String(format: "%.3g", v.frameRate.asDouble)) fps")
    }
    for a in streams where a.isAudio { parts.append(a.codecName) }
    return parts.isEmpty ? "no stream" : parts.joined(separator: " + ")
  }
}
