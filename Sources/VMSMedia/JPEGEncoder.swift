// Encodes a decoded frame as a colour JPEG (thumbnails, and later the live view), scaled to a
// given width, with libavcodec's MJPEG encoder.
import CFFmpeg
import Detectors

public final class JPEGEncoder {
  private var codec: UnsafeMutablePointer<AVCodecContext>?
  private let scaler: FrameScaler
  private let packet: UnsafeMutablePointer<AVPacket>
  private var size: (Int32, Int32) = (0, 0)
  /// The encoder insists on increasing timestamps, even for unrelated stills.
  private var nextPts: Int64 = 0
  public let width: Int
  public let quality: Int32

  /// `quality` is MJPEG's qscale: 2 (best) to 31 (smallest).
  public init(width: Int, quality: Int32 = 5) throws(MediaError) {
    self.width = width
    self.quality = quality
    guard let packet = av_packet_alloc() else { throw MediaError("out of memory") }
    self.packet = packet
    scaler = try FrameScaler(format: AV_PIX_FMT_YUVJ420P)
  }

  deinit {
    avcodec_free_context(&codec)
    var p: UnsafeMutablePointer<AVPacket>? = packet
    av_packet_free(&p)
  }

  /// Encodes `source`; `outline` boxes (in a `outlineSpace`-sized frame's pixels) are drawn as white
  /// rectangles, for the live view's "show detection" option.
  public func encode(
    _ source: UnsafeMutablePointer<AVFrame>, outline: [MotionRegion] = [],
    outlineSpace: (width: Int, height: Int) = (0, 0)
  ) -> [UInt8]? {
    guard source.pointee.width > 0, source.pointee.height > 0 else { return nil }
    let w = Int32(min(width, Int(source.pointee.width))) & ~1
    let h = FrameScaler.height(of: source, atWidth: w)
    if codec == nil || size != (w, h) {
      avcodec_free_context(&codec)
      guard let mjpeg = avcodec_find_encoder(AV_CODEC_ID_MJPEG) else { return nil }
      codec = avcodec_alloc_context3(mjpeg)
      codec!.pointee.width = w
      codec!.pointee.height = h
      codec!.pointee.pix_fmt = AV_PIX_FMT_YUVJ420P
      codec!.pointee.time_base = AVRational(num: 1, den: 25)
      codec!.pointee.flags |= AV_CODEC_FLAG_QSCALE
      codec!.pointee.global_quality = quality * FF_QP2LAMBDA
      guard avcodec_open2(codec, mjpeg, nil) >= 0 else {
        avcodec_free_context(&codec)
        return nil
      }
      size = (w, h)
    }
    guard let scaled = scaler.scale(source, width: w, height: h) else { return nil }
    if !outline.isEmpty && outlineSpace.width > 0 && outlineSpace.height > 0 {
      drawOutline(outline, space: outlineSpace, on: scaled)
    }
    scaled.pointee.quality = quality * FF_QP2LAMBDA
    scaled.pointee.pts = nextPts
    nextPts += 1
    guard avcodec_send_frame(codec, scaled) >= 0 else { return nil }
    defer { av_packet_unref(packet) }
    guard avcodec_receive_packet(codec, packet) >= 0, let data = packet.pointee.data else {
      return nil
    }
    return Array(UnsafeBufferPointer(start: data, count: Int(packet.pointee.size)))
  }

  /// Draws box edges on the luma plane: enough to see what moved, no colour conversion needed.
  private func drawOutline(
    _ boxes: [MotionRegion], space: (width: Int, height: Int),
    on scaled: UnsafeMutablePointer<AVFrame>
  ) {
    guard let luma = scaled.pointee.data.0 else { return }
    let stride = Int(scaled.pointee.linesize.0)
    let w = Int(scaled.pointee.width)
    let h = Int(scaled.pointee.height)
    let sx = Double(w) / Double(space.width)
    let sy = Double(h) / Double(space.height)
    let thickness = 2
    for box in boxes {
      let x0 = max(0, min(w - 1, Int(Double(box.x) * sx)))
      let y0 = max(0, min(h - 1, Int(Double(box.y) * sy)))
      let x1 = max(x0, min(w - 1, Int(Double(box.x + box.width) * sx)))
      let y1 = max(y0, min(h - 1, Int(Double(box.y + box.height) * sy)))
      for y in y0...y1 {
        let row = luma + y * stride
        if y - y0 < thickness || y1 - y < thickness {
          for x in x0...x1 { row[x] = 255 }
        } else {
          for x in x0..<min(x0 + thickness, x1 + 1) { row[x] = 255 }
          for x in max(x0, x1 - thickness + 1)...x1 { row[x] = 255 }
        }
      }
    }
  }
}
