// Decodes one video stream and hands out frames scaled to a small gray image for detection.
// Scaling happens only for frames the caller asks for: H.264 forces decoding every frame (IPPP),
// but most of them need no further work.
import CFFmpeg
import Detectors

public final class VideoDecoder {
  private var codec: UnsafeMutablePointer<AVCodecContext>?
  private let frame: UnsafeMutablePointer<AVFrame>
  private let grayScaler: FrameScaler
  public let analysisWidth: Int

  public init(parameters: UnsafePointer<AVCodecParameters>, analysisWidth: Int = 320)
    throws(MediaError)
  {
    self.analysisWidth = analysisWidth
    guard let decoder = avcodec_find_decoder(parameters.pointee.codec_id) else {
      throw MediaError(
        "no decoder for \(String(cString: avcodec_get_name(parameters.pointee.codec_id)))")
    }
    guard let frame = av_frame_alloc() else { throw MediaError("out of memory") }
    self.frame = frame
    grayScaler = try FrameScaler(format: AV_PIX_FMT_GRAY8)
    codec = avcodec_alloc_context3(decoder)
    avcodec_parameters_to_context(codec, parameters)
    // One thread: a substream is cheap to decode, and frame threading would add a frame of latency per
    // thread and a thread pool per camera.
    codec!.pointee.thread_count = 1
    let result = avcodec_open2(codec, decoder, nil)
    if result < 0 { throw MediaError.fromFFmpeg(result, while: "cannot open the video decoder") }
  }

  deinit {
    avcodec_free_context(&codec)
    var f: UnsafeMutablePointer<AVFrame>? = frame
    av_frame_free(&f)
  }

  /// Frames the decoder refused or had to patch up (error concealment) since it was made.
  public private(set) var damagedFrames = 0

  /// Feeds a packet and calls `body` with each decoded frame. Corrupt packets are skipped (and
  /// counted in `damagedFrames`): a camera that sends a few bad frames must not lose its connection
  /// over them.
  ///
  /// `alone`: the packet is decoded on its own (a keyframe whose GOP is otherwise skipped). A
  /// decoder that reorders frames (a stream with B-frames) holds a picture back until later packets
  /// push it out, which for a lone keyframe is the next keyframe, a GOP later; so the decoder is
  /// drained at once, then reset for the next keyframe.
  public func decode(
    _ packet: UnsafePointer<AVPacket>, alone: Bool = false,
    _ body: (UnsafeMutablePointer<AVFrame>) -> Void
  ) {
    let sent = avcodec_send_packet(codec, packet)
    guard sent >= 0 else {
      if sent != vms_averror_eagain() { damagedFrames += 1 }
      return
    }
    receiveFrames(body)
    if alone, avcodec_send_packet(codec, nil) >= 0 {
      receiveFrames(body)
      avcodec_flush_buffers(codec)
    }
  }

  private func receiveFrames(_ body: (UnsafeMutablePointer<AVFrame>) -> Void) {
    while avcodec_receive_frame(codec, frame) >= 0 {
      // AV_FRAME_FLAG_CORRUPT is 1 << 0; decode_error_flags marks concealed errors.
      if frame.pointee.decode_error_flags != 0 || frame.pointee.flags & 1 != 0 {
        damagedFrames += 1
      }
      body(frame)
      av_frame_unref(frame)
    }
  }

  /// Skips the deblocking filter: about 7% of H.264 decoding, invisible at the 320 px the detector
  /// sees. Switched off while a person watches the live picture.
  public func setSkipsDeblocking(_ skip: Bool) {
    codec?.pointee.skip_loop_filter = skip ? AVDISCARD_ALL : AVDISCARD_DEFAULT
  }

  /// Drops buffered state, so decoding can restart cleanly at a later keyframe.
  public func flush() {
    avcodec_flush_buffers(codec)
  }

  /// The frame scaled to `analysisWidth` pixels wide (height keeps the aspect, even), 8-bit gray.
  public func grayFrame(of source: UnsafeMutablePointer<AVFrame>) -> GrayFrame? {
    let width = Int32(analysisWidth)
    guard source.pointee.width > 0,
      let gray = grayScaler.scale(
        source, width: width, height: FrameScaler.height(of: source, atWidth: width)),
      let base = gray.pointee.data.0
    else { return nil }
    let w = Int(gray.pointee.width)
    let h = Int(gray.pointee.height)
    let stride = Int(gray.pointee.linesize.0)
    var pixels = [UInt8](repeating: 0, count: w * h)
    pixels.withUnsafeMutableBufferPointer { out in
      for row in 0..<h {
        (out.baseAddress! + row * w).update(from: base + row * stride, count: w)
      }
    }
    return GrayFrame(width: w, height: h, pixels: pixels)
  }
}
