// One JPEG of a camera's live view.

public struct LiveFrame: Sendable {
  public var jpeg: [UInt8]
  /// Wall clock, Unix epoch milliseconds.
  public var capturedAtMs: Int64

  public init(jpeg: [UInt8], capturedAtMs: Int64) {
    self.jpeg = jpeg
    self.capturedAtMs = capturedAtMs
  }
}
