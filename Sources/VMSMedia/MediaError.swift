// Errors from FFmpeg, turned into sentences a user can act on.
import CFFmpeg

public struct MediaError: Error, CustomStringConvertible, Sendable {
  /// FFmpeg's error code (negative), or 0 when the error is ours.
  public var code: Int32
  public var description: String

  public init(code: Int32 = 0, _ description: String) {
    self.code = code
    self.description = description
  }

  /// FFmpeg's own text for an error code.
  public static func text(_ code: Int32) -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    av_strerror(code, &buffer, buffer.count)
    let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// The error of a failed open or read, worded for the camera's status line.
  public static func fromFFmpeg(_ code: Int32, while action: String) -> MediaError {
    switch code {
    case vms_averror_http_unauthorized():
      return MediaError(
        code: code, "\(action) (401 Unauthorized): check the user and password in the URL")
    case vms_averror_http_forbidden():
      return MediaError(
        code: code, "\(action) (403 Forbidden): check this user's rights on the camera")
    case vms_averror_http_not_found():
      return MediaError(code: code, "\(action) (404 Not Found): check the stream path in the URL")
    case vms_averror_invaliddata():
      return MediaError(
        code: code,
        "\(action): the source sent data that is not a video stream; check the URL and the camera's stream settings"
      )
    case -ECONNREFUSED:
      return MediaError(
        code: code,
        "\(action): connection refused; check the address and port, and that the camera is on")
    case -EHOSTUNREACH, -ENETUNREACH:
      return MediaError(
        code: code, "\(action): host unreachable; check the address and the network")
    case -ENOENT:
      return MediaError(code: code, "\(action): no such file; check the path")
    case -ETIMEDOUT:
      return MediaError(code: code, "\(action): timed out; check that the camera is reachable")
    default:
      return MediaError(code: code, "\(action): \(text(code))")
    }
  }
}
