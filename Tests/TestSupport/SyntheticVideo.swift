// Real compressed video for engine tests, made in memory: a textured still picture in which a
// bright square moves when asked, encoded with libavcodec's MPEG-4 Part 2 encoder (built into every
// FFmpeg) or, for the live view, H.264 with libx264 in Annex B as RTSP cameras send it, with a fixed
// GOP and no B-frames (or, asked for, H.264 with B-frames: packets then come in decode order, a
// couple of frames behind the pictures, as from a camera with B-frames). The detect path decodes it and the recorder writes it
// into clips, as it would a camera's H.264, so motion, pre-roll and clip files can be checked
// without a camera. Shared by the media tests and the engine tests (TestSupport target).
import CFFmpeg
import VMSMedia

public final class SyntheticVideo {
  public let width: Int32
  public let height: Int32
  public let fps: Int32
  public let gopFrames: Int32
  /// B-frames between reference frames (H.264 only; 0: none).
  public let bFrames: Int32
  /// Video timestamps in 90 kHz ticks, as RTP video.
  public static let timeBase = Rational(1, 90_000)
  private var codec: UnsafeMutablePointer<AVCodecContext>?
  private let frame: UnsafeMutablePointer<AVFrame>
  private let packet: UnsafeMutablePointer<AVPacket>
  private var frameNumber: Int64 = 0
  private var squareX: Int32 = 20

  public enum Codec { case mpeg4, h264 }

  public init(
    width: Int32 = 320, height: Int32 = 240, fps: Int32 = 10, gopSeconds: Int32 = 1,
    codec kind: Codec = .mpeg4, bFrames: Int32 = 0
  ) {
    precondition(bFrames == 0 || kind == .h264, "B-frames only with H.264")
    self.bFrames = bFrames
    self.width = width
    self.height = height
    self.fps = fps
    gopFrames = fps * gopSeconds
    let encoder =
      kind == .mpeg4
      ? avcodec_find_encoder(AV_CODEC_ID_MPEG4)! : avcodec_find_encoder_by_name("libx264")!
    codec = avcodec_alloc_context3(encoder)
    codec!.pointee.width = width
    codec!.pointee.height = height
    codec!.pointee.pix_fmt = AV_PIX_FMT_YUV420P
    codec!.pointee.time_base = AVRational(num: 1, den: fps)
    codec!.pointee.framerate = AVRational(num: fps, den: 1)
    codec!.pointee.gop_size = gopFrames
    codec!.pointee.max_b_frames = bFrames
    codec!.pointee.bit_rate = 400_000
    // The codec's configuration goes into the stream's extradata, as an MP4 file needs it.
    codec!.pointee.flags |= Int32(AV_CODEC_FLAG_GLOBAL_HEADER)
    var options: OpaquePointer? = nil
    if kind == .h264 {
      av_dict_set(&options, "preset", "ultrafast", 0)
      // A keyframe every gopFrames exactly, each an IDR. With B-frames: a fixed pattern and no
      // look-ahead, so packets come out bFrames + 1 frames after their pictures go in.
      if bFrames == 0 {
        av_dict_set(&options, "tune", "zerolatency", 0)
        av_dict_set(&options, "x264-params", "scenecut=0:open-gop=0", 0)
      } else {
        av_dict_set(
          &options, "x264-params",
          "scenecut=0:open-gop=0:bframes=\(bFrames):b-adapt=0:b-pyramid=none:rc-lookahead=0"
            + ":sync-lookahead=0:threads=1", 0)
      }
    }
    precondition(avcodec_open2(codec, encoder, &options) == 0, "the video encoder does not open")
    av_dict_free(&options)
    frame = av_frame_alloc()!
    frame.pointee.width = width
    frame.pointee.height = height
    frame.pointee.format = AV_PIX_FMT_YUV420P.rawValue
    precondition(av_frame_get_buffer(frame, 0) == 0)
    packet = av_packet_alloc()!
  }

  deinit {
    avcodec_free_context(&codec)
    var f: UnsafeMutablePointer<AVFrame>? = frame
    av_frame_free(&f)
    var p: UnsafeMutablePointer<AVPacket>? = packet
    av_packet_free(&p)
  }

  /// The stream as a source's layout (stream 0).
  public func layout() -> StreamLayout {
    var parameters: UnsafeMutablePointer<AVCodecParameters>? = avcodec_parameters_alloc()
    defer { avcodec_parameters_free(&parameters) }
    avcodec_parameters_from_context(parameters, codec)
    return StreamLayout(
      describing: [(UnsafePointer(parameters!), Self.timeBase)], frameRate: Rational(fps, 1))
  }

  public var ticksPerFrame: Int64 { 90_000 / Int64(fps) }

  /// The next `seconds` of video, one packet per frame (`receivedAtMs` 0). The square moves 6 px per
  /// frame while `moving`, else stays where it is.
  /// With B-frames, the packets the encoder gave out for those frames: a few fewer at the start.
  public func packets(seconds: Double, moving: Bool) -> [MediaPacket] {
    (0..<Int((seconds * Double(fps)).rounded())).flatMap { _ in
      if moving { squareX = 20 + (squareX - 20 + 6) % (width - 100) }
      return encodeNext()
    }
  }

  private func encodeNext() -> [MediaPacket] {
    precondition(av_frame_make_writable(frame) == 0)
    paint()
    frame.pointee.pts = frameNumber
    frameNumber += 1
    precondition(avcodec_send_frame(codec, frame) == 0)
    var out: [MediaPacket] = []
    while true {
      av_packet_unref(packet)
      guard avcodec_receive_packet(codec, packet) == 0 else { break }
      out.append(current())
    }
    // No B-frames and no look-ahead: every frame comes out as soon as it goes in.
    precondition(bFrames > 0 || out.count == 1, "the encoder held a frame back")
    return out
  }

  private func current() -> MediaPacket {
    let data = Array(
      UnsafeBufferPointer(start: packet.pointee.data, count: Int(packet.pointee.size)))
    let dts = packet.pointee.dts * ticksPerFrame
    return MediaPacket(
      streamIndex: 0, data: data, pts: packet.pointee.pts * ticksPerFrame, dts: dts,
      duration: ticksPerFrame, isKeyframe: packet.pointee.flags & AV_PKT_FLAG_KEY != 0,
      receivedAtMs: 0)
  }

  /// A fixed texture (so the picture is not flat), a bright 40 px square at `squareX`, and grey
  /// chroma.
  private func paint() {
    let luma = frame.pointee.data.0!
    let stride = Int(frame.pointee.linesize.0)
    for y in 0..<Int(height) {
      for x in 0..<Int(width) {
        let inSquare = x >= Int(squareX) && x < Int(squareX) + 40 && y >= 100 && y < 140
        luma[y * stride + x] = inSquare ? 235 : UInt8(40 + (x / 16 + y / 16) % 2 * 60)
      }
    }
    for plane in 1...2 {
      let data = plane == 1 ? frame.pointee.data.1! : frame.pointee.data.2!
      let planeStride = Int(plane == 1 ? frame.pointee.linesize.1 : frame.pointee.linesize.2)
      for y in 0..<Int(height / 2) {
        for x in 0..<Int(width / 2) { data[y * planeStride + x] = 128 }
      }
    }
  }
}
