// Asks a camera, cheaply and within about a second, what answers at its address, for two jobs:
// - while a reader waits out its reconnection backoff, `answers()` tells that a camera that had
//   stopped answering is back, without opening a whole session;
// - when an open fails with an error FFmpeg cannot name (it says "invalid data" for a port that
//   closes at once, a web server and random bytes alike), `answer()` tells which it was.
// RTSP is asked `OPTIONS`; HTTP(S) and RTSPS count as answering when the TCP connection is
// accepted; a file when it can be read. Blocking: the connection and the answer are bounded by
// `timeoutSeconds` each, a host name's lookup by the system's resolver. Call it only from a
// reader's own thread.
import CFFmpeg
import Foundation
import VMSConfig
import VMSMedia

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

struct CameraProbe: Sendable {
  enum Answer: Equatable, Sendable {
    /// Nothing accepted the connection (refused, unreachable, unknown host, connect timeout).
    case unreachable
    /// Accepted, then closed before sending a byte.
    case closedAtOnce
    /// Accepted, and no byte within the timeout.
    case silent
    /// An RTSP status line (any status, 401 included); for HTTP(S)/RTSPS: the connection accepted.
    case speaksProtocol
    /// An HTTP status line where RTSP was expected.
    case speaksHTTP
    /// Bytes that are neither.
    case somethingElse
  }

  private enum Target: Sendable {
    case network(StreamEndpoint)
    case file(String)
  }

  private let target: Target
  /// How long one probe may wait for the connection, then for the answer.
  let timeoutSeconds: Double

  init?(url: String, timeoutSeconds: Double = 1.0) {
    self.timeoutSeconds = timeoutSeconds
    if let endpoint = StreamEndpoint(url: url) {
      target = .network(endpoint)
    } else if !url.contains("://") {
      target = .file(url)
    } else {
      return nil
    }
  }

  var port: Int? { if case .network(let endpoint) = target { endpoint.port } else { nil } }

  /// True when the camera answers now in its own protocol.
  func answers() -> Bool { answer() == .speaksProtocol }

  func answer() -> Answer {
    switch target {
    case .file(let path): return access(path, R_OK) == 0 ? .speaksProtocol : .unreachable
    case .network(let endpoint):
      guard let socket = connect(endpoint) else { return .unreachable }
      defer { close(socket) }
      return endpoint.scheme == "rtsp" ? askOptions(socket) : .speaksProtocol
    }
  }

  /// A connected non-blocking socket, or nil when nothing accepted within the timeout.
  private func connect(_ endpoint: StreamEndpoint) -> Int32? {
    var hints = addrinfo()
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    hints.ai_flags = AI_NUMERICSERV
    var list: UnsafeMutablePointer<addrinfo>?
    guard getaddrinfo(endpoint.host, String(endpoint.port), &hints, &list) == 0, let list else {
      return nil
    }
    defer { freeaddrinfo(list) }
    var entry: UnsafeMutablePointer<addrinfo>? = list
    while let address = entry {
      entry = address.pointee.ai_next
      let fd = socket(
        address.pointee.ai_family,
        Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue),
        0)
      guard fd >= 0 else { continue }
      let started = Glibc.connect(fd, address.pointee.ai_addr, address.pointee.ai_addrlen)
      if started == 0
        || (errno == EINPROGRESS && wait(fd, for: Int16(POLLOUT)) && socketError(fd) == 0)
      {
        return fd
      }
      close(fd)
    }
    return nil
  }

  /// Sends `OPTIONS * RTSP/1.0` and classifies the first bytes of the answer.
  private func askOptions(_ fd: Int32) -> Answer {
    let request = Array("OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: vms-probe\r\n\r\n".utf8)
    let sent = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    guard sent == request.count else { return .closedAtOnce }
    var reply: [UInt8] = []
    let deadline = InterruptState.now() + UInt64(timeoutSeconds * 1e9)
    while reply.count < 5 {
      let now = InterruptState.now()
      guard now < deadline, wait(fd, for: Int16(POLLIN), nanos: deadline - now) else {
        return reply.isEmpty ? .silent : .somethingElse
      }
      var chunk = [UInt8](repeating: 0, count: 5 - reply.count)
      let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
      if count <= 0 { break }
      reply += chunk[..<count]
    }
    switch reply {
    case []: return .closedAtOnce
    case Array("RTSP/".utf8): return .speaksProtocol
    case Array("HTTP/".utf8): return .speaksHTTP
    default: return .somethingElse
    }
  }

  private func wait(_ fd: Int32, for events: Int16, nanos: UInt64? = nil) -> Bool {
    var entry = pollfd(fd: fd, events: events, revents: 0)
    let milliseconds = nanos.map { Int32(max(1, $0 / 1_000_000)) } ?? Int32(timeoutSeconds * 1000)
    let result = poll(&entry, 1, milliseconds)
    return result == 1 && entry.revents & (events | Int16(POLLHUP) | Int16(POLLERR)) != 0
  }

  private func socketError(_ fd: Int32) -> Int32 {
    var value: Int32 = 0
    var length = socklen_t(MemoryLayout<Int32>.size)
    return getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &length) == 0 ? value : -1
  }
}

extension CameraProbe {
  /// FFmpeg says "invalid data" (or "end of file", "connection reset") for a port that closes at
  /// once, a web server and random bytes alike, and waits out the timeout on a web server that
  /// keeps the connection open: for such a failed open of an RTSP camera, asks the camera what
  /// answers there and says that instead. Other errors are already precise.
  /// Also returns the camera's answer when it was asked, so the caller need not ask again at once.
  func naming(_ error: MediaError, afterTimeout: Bool) -> (error: MediaError, answer: Answer?) {
    let vague = [vms_averror_invaliddata(), vms_averror_eof(), -ECONNRESET, -EPIPE]
    guard afterTimeout || vague.contains(error.code), port != nil else { return (error, nil) }
    let answer = answer()
    return (named(error, by: answer, afterTimeout: afterTimeout), answer)
  }

  private func named(_ error: MediaError, by answer: Answer, afterTimeout: Bool) -> MediaError {
    guard let port else { return error }
    let action = "cannot open"
    switch answer {
    case .closedAtOnce:
      return MediaError(
        code: error.code,
        "\(action): port \(port) accepts the connection and closes it at once; check the port, and that the camera allows one more client (many allow 2 to 4)"
      )
    case .speaksHTTP:
      return MediaError(
        code: error.code,
        "\(action): port \(port) answers in HTTP, not RTSP; check the port (RTSP is usually 554), or use the camera's http:// stream URL"
      )
    case .somethingElse:
      return MediaError(
        code: error.code,
        "\(action): port \(port) answers with bytes that are not RTSP (another kind of device or service); check the address, the port and the URL's scheme"
      )
    case .silent:
      if afterTimeout { return error }  // the timeout's own message says this already
      return MediaError(
        code: error.code,
        "\(action): port \(port) accepts the connection but answers nothing; check the port and that the camera is not frozen"
      )
    case .unreachable, .speaksProtocol:
      return error
    }
  }
}
