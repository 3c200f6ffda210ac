// Encodes a decoded frame as a colour JPEG (thumbnails, and later the live view), scaled to a
// given width, with libavcodec's MJPEG encoder.
import CFFmpeg

final class JPEGEncoder {
  private var codec: UnsafeMutablePointer<AVCodecContext>?
  private let scaled: UnsafeMutablePointer<AVFrame>
  private let packet: UnsafeMutablePointer<AVPacket>
  private var scaler: OpaquePointer?
  private var scalerKey: (Int32, Int32, Int32) = (0, 0, -1)
  private var size: (Int32, Int32) = (0, 0)
  /// The encoder insists on increasing timestamps, even for unrelated stills.
  private var nextPts: Int64 = 0
  let width: Int
  let quality: Int32

  /// `quality` is MJPEG's qscale: 2 (best) to 31 (smallest).
  init(width: Int, quality: Int32 = 5) throws(MediaError) {
    self.width = width
    self.quality = quality
    guard let scaled = av_frame_alloc(), let packet = av_packet_alloc() else { throw MediaError("out of memory") }
    self.scaled = scaled
    self.packet = packet
  }

  deinit {
    avcodec_free_context(&codec)
    var f: UnsafeMutablePointer<AVFrame>? = scaled
    av_frame_free(&f)
    var p: UnsafeMutablePointer<AVPacket>? = packet
    av_packet_free(&p)
    sws_freeContext(scaler)
  }

  func encode(_ source: UnsafeMutablePointer<AVFrame>) -> [UInt8]? {
    guard source.pointee.width > 0, source.pointee.height > 0 else { return nil }
    let w = Int32(min(width, Int(source.pointee.width))) & ~1
    let h = max(2, Int32((Double(source.pointee.height) * Double(w) / Double(source.pointee.width)).rounded()) & ~1)
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
      scalerKey = (0, 0, -1)
    }
    let key = (source.pointee.width, source.pointee.height, source.pointee.format)
    if scaler == nil || key != scalerKey {
      sws_freeContext(scaler)
      scaler = sws_getContext(
        key.0, key.1, AVPixelFormat(rawValue: key.2), w, h, AV_PIX_FMT_YUVJ420P, SWS_BILINEAR, nil, nil, nil)
      scalerKey = key
      av_frame_unref(scaled)
      scaled.pointee.width = w
      scaled.pointee.height = h
      scaled.pointee.format = AV_PIX_FMT_YUVJ420P.rawValue
      guard av_frame_get_buffer(scaled, 0) >= 0 else { return nil }
    }
    guard let scaler, sws_scale_frame(scaler, scaled, source) >= 0 else { return nil }
    scaled.pointee.quality = quality * FF_QP2LAMBDA
    scaled.pointee.pts = nextPts
    nextPts += 1
    guard avcodec_send_frame(codec, scaled) >= 0 else { return nil }
    defer { av_packet_unref(packet) }
    guard avcodec_receive_packet(codec, packet) >= 0, let data = packet.pointee.data else { return nil }
    return Array(UnsafeBufferPointer(start: data, count: Int(packet.pointee.size)))
  }
}
