// Real H.264 for live-view tests, made in memory with libx264 (through libavcodec): a textured
// picture with a moving square, a fixed GOP, in Annex B as an RTSP camera sends it, with its
// parameter sets in the stream's extradata (as an RTSP SDP gives them).
import CFFmpeg
import VMSMedia

final class H264TestStream {
  let width: Int32
  let height: Int32
  let fps: Int32
  static let timeBase = Rational(1, 90_000)
  private var codec: UnsafeMutablePointer<AVCodecContext>?
  private let frame: UnsafeMutablePointer<AVFrame>
  private let packet: UnsafeMutablePointer<AVPacket>
  private var frameNumber: Int64 = 0

  init(width: Int32 = 320, height: Int32 = 240, fps: Int32 = 25, gopFrames: Int32 = 25) {
    self.width = width
    self.height = height
    self.fps = fps
    let encoder = avcodec_find_encoder_by_name("libx264")!
    codec = avcodec_alloc_context3(encoder)
    codec!.pointee.width = width
    codec!.pointee.height = height
    codec!.pointee.pix_fmt = AV_PIX_FMT_YUV420P
    codec!.pointee.time_base = AVRational(num: 1, den: fps)
    codec!.pointee.framerate = AVRational(num: fps, den: 1)
    codec!.pointee.gop_size = gopFrames
    codec!.pointee.max_b_frames = 0
    codec!.pointee.flags |= Int32(AV_CODEC_FLAG_GLOBAL_HEADER)
    var options: OpaquePointer? = nil
    av_dict_set(&options, "preset", "ultrafast", 0)
    av_dict_set(&options, "tune", "zerolatency", 0)
    // Keyframes every gopFrames exactly, each an IDR (no open GOPs, no scene-cut keyframes).
    av_dict_set(&options, "x264-params", "scenecut=0:open-gop=0:repeat-headers=1", 0)
    precondition(avcodec_open2(codec, encoder, &options) == 0, "libx264 does not open")
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

  /// The stream as a demuxer would describe it (stream 0, 90 kHz).
  func layout() -> StreamLayout {
    var parameters: UnsafeMutablePointer<AVCodecParameters>? = avcodec_parameters_alloc()
    defer { avcodec_parameters_free(&parameters) }
    avcodec_parameters_from_context(parameters, codec)
    return StreamLayout(
      describing: [(UnsafePointer(parameters!), Self.timeBase)], frameRate: Rational(fps, 1))
  }

  var ticksPerFrame: Int64 { 90_000 / Int64(fps) }

  /// The next `count` frames' packets (Annex B), with 90 kHz timestamps.
  func packets(_ count: Int) -> [MediaPacket] {
    (0..<count).map { _ in next() }
  }

  private func next() -> MediaPacket {
    precondition(av_frame_make_writable(frame) == 0)
    let luma = frame.pointee.data.0!
    let stride = Int(frame.pointee.linesize.0)
    let squareX = Int(frameNumber * 4) % Int(width - 40)
    for y in 0..<Int(height) {
      for x in 0..<Int(width) {
        let inSquare = x >= squareX && x < squareX + 40 && y >= 80 && y < 120
        luma[y * stride + x] = inSquare ? 235 : UInt8(40 + (x / 16 + y / 16) % 2 * 60)
      }
    }
    for plane in [frame.pointee.data.1!, frame.pointee.data.2!] {
      let planeStride = Int(frame.pointee.linesize.1)
      for y in 0..<Int(height / 2) {
        for x in 0..<Int(width / 2) { plane[y * planeStride + x] = 128 }
      }
    }
    frame.pointee.pts = frameNumber
    frameNumber += 1
    precondition(avcodec_send_frame(codec, frame) == 0)
    av_packet_unref(packet)
    precondition(avcodec_receive_packet(codec, packet) == 0, "the encoder held a frame back")
    let data = Array(
      UnsafeBufferPointer(start: packet.pointee.data, count: Int(packet.pointee.size)))
    return MediaPacket(
      streamIndex: 0, data: data, pts: packet.pointee.pts * ticksPerFrame,
      dts: packet.pointee.dts * ticksPerFrame, duration: ticksPerFrame,
      isKeyframe: packet.pointee.flags & AV_PKT_FLAG_KEY != 0, receivedAtMs: 0)
  }
}
