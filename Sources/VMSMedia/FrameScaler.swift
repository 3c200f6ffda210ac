// Scales decoded frames to one pixel format at a requested size with libswscale, keeping the
// scaler and the output frame between calls (both are rebuilt only when the input or the output
// size changes: a camera's resolution rarely does).
import CFFmpeg

public final class FrameScaler {
  private var context: OpaquePointer?
  private let output: UnsafeMutablePointer<AVFrame>
  private let format: AVPixelFormat
  private var key: (Int32, Int32, Int32, Int32, Int32) = (0, 0, -1, 0, 0)

  public init(format: AVPixelFormat) throws(MediaError) {
    guard let output = av_frame_alloc() else { throw MediaError("out of memory") }
    self.output = output
    self.format = format
  }

  deinit {
    sws_freeContext(context)
    var frame: UnsafeMutablePointer<AVFrame>? = output
    av_frame_free(&frame)
  }

  /// `source` scaled to `width` x `height`; the frame belongs to the scaler and is overwritten by
  /// the next call.
  public func scale(_ source: UnsafeMutablePointer<AVFrame>, width: Int32, height: Int32)
    -> UnsafeMutablePointer<AVFrame>?
  {
    let wanted = (source.pointee.width, source.pointee.height, source.pointee.format, width, height)
    if context == nil || wanted != key {
      sws_freeContext(context)
      context = sws_getContext(
        wanted.0, wanted.1, AVPixelFormat(rawValue: wanted.2), width, height, format, SWS_BILINEAR,
        nil, nil, nil)
      key = wanted
      av_frame_unref(output)
      output.pointee.width = width
      output.pointee.height = height
      output.pointee.format = format.rawValue
      guard context != nil, av_frame_get_buffer(output, 0) >= 0 else {
        key = (0, 0, -1, 0, 0)
        return nil
      }
    }
    guard let context, sws_scale_frame(context, output, source) >= 0 else { return nil }
    return output
  }

  /// The height that keeps `source`'s aspect at `width`, even (chroma subsampling needs it).
  public static func height(of source: UnsafeMutablePointer<AVFrame>, atWidth width: Int32) -> Int32
  {
    guard source.pointee.width > 0 else { return 2 }
    let height = Int32(
      (Double(source.pointee.height) * Double(width) / Double(source.pointee.width)).rounded())
    return max(2, height & ~1)
  }
}
