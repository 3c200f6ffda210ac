// LiveSettings: a camera's `live:` block, the browser's live view.

public struct LiveSettings: Sendable, Equatable {
  /// Frame rate cap of the MJPEG live stream.
  public var fps: Double
  /// Width of the live images in pixels; the height keeps the camera's aspect ratio.
  public var width: Int
  /// Draw the detector's moving areas over the live view.
  public var showDetection: Bool

  public init(fps: Double = 10, width: Int = 640, showDetection: Bool = false) {
    self.fps = fps
    self.width = width
    self.showDetection = showDetection
  }
}
