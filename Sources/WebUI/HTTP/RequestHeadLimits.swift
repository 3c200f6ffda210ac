// How large a request's head may be, and the scan that finds where a head ends or which limit it
// breaks, as its bytes arrive. NIO's parser only fails with a generic "header overflow" (80 KiB by
// default) and cannot say whether the URL or the headers were too long; this scan can, so a client
// is told 414 or 431 as soon as a limit is passed, without waiting for the rest of its bytes.
import NIOCore

struct RequestHeadLimits: Sendable, Equatable {
  /// The request line: method, URL, version and its line end ("GET /path?query HTTP/1.1\r\n").
  var maxRequestLineBytes = 8 * 1024
  /// The header lines after it, line ends and the closing blank line included.
  var maxHeaderBytes = 32 * 1024

  static let standard = RequestHeadLimits()
}

/// Why a request is refused before it reaches the router, and the answer it gets.
enum RequestRefusal: Sendable, Equatable {
  case requestLineTooLong(maxBytes: Int)
  case headersTooLarge(maxBytes: Int)
  case malformed

  var statusCode: Int {
    switch self {
    case .requestLineTooLong: 414
    case .headersTooLarge: 431
    case .malformed: 400
    }
  }

  var reasonPhrase: String {
    switch self {
    case .requestLineTooLong: "URI Too Long"
    case .headersTooLarge: "Request Header Fields Too Large"
    case .malformed: "Bad Request"
    }
  }

  var message: String {
    switch self {
    case .requestLineTooLong(let maxBytes):
      "the request line is longer than \(maxBytes) bytes: shorten the URL"
    case .headersTooLarge(let maxBytes):
      "the request headers are larger than \(maxBytes) bytes: send fewer or smaller headers (cookies included)"
    case .malformed:
      "this is not a valid HTTP/1.1 request"
    }
  }

  /// The whole HTTP/1.1 answer, written as bytes: the connection's HTTP encoder may be gone or busy.
  func response(allocator: ByteBufferAllocator) -> ByteBuffer {
    let body =
      JSONBody.encode(["error": message]).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    let text =
      "HTTP/1.1 \(statusCode) \(reasonPhrase)\r\n"
      + "Content-Type: application/json; charset=utf-8\r\n"
      + "Content-Length: \(body.utf8.count)\r\n"
      + "Cache-Control: no-store\r\n"
      + "X-Content-Type-Options: nosniff\r\n"
      + "Connection: close\r\n\r\n" + body
    return allocator.buffer(string: text)
  }
}

/// Follows one request head, byte by byte: where it ends, or which limit it breaks. A line ends at
/// LF (a CR before it counts as part of the line); the head ends at the first empty line after the
/// request line. Empty lines before the request line are skipped, as RFC 9112 allows.
struct RequestHeadScanner: Sendable {
  enum Verdict: Sendable, Equatable {
    /// Every byte given belongs to the head, which goes on.
    case needMore
    /// The head ends after this many of the bytes given; the rest is the body or the next request.
    case endsAfter(byteCount: Int)
    case refused(RequestRefusal)
  }

  let limits: RequestHeadLimits
  private var inRequestLine = true
  private var requestLineBytes = 0
  private var headerBytes = 0
  /// Bytes of the current line before its LF, CR included.
  private var lineBytes = 0
  private var lastByte: UInt8 = 0

  init(limits: RequestHeadLimits) {
    self.limits = limits
  }

  private static let lf = UInt8(ascii: "\n")
  private static let cr = UInt8(ascii: "\r")

  mutating func scan(_ bytes: some Collection<UInt8>) -> Verdict {
    var count = 0
    for byte in bytes {
      count += 1
      let endsLine = byte == Self.lf
      let emptyLine = endsLine && (lineBytes == 0 || (lineBytes == 1 && lastByte == Self.cr))
      if inRequestLine {
        if emptyLine {
          requestLineBytes = 0  // an empty line before the request line
        } else {
          requestLineBytes += 1
          if requestLineBytes > limits.maxRequestLineBytes {
            return .refused(.requestLineTooLong(maxBytes: limits.maxRequestLineBytes))
          }
          if endsLine { inRequestLine = false }
        }
      } else {
        headerBytes += 1
        if headerBytes > limits.maxHeaderBytes {
          return .refused(.headersTooLarge(maxBytes: limits.maxHeaderBytes))
        }
        if emptyLine { return .endsAfter(byteCount: count) }
      }
      lineBytes = endsLine ? 0 : lineBytes + 1
      lastByte = byte
    }
    return .needMore
  }
}
