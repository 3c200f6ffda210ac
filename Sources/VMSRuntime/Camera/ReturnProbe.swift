// Tells, cheaply and within about a second, whether a camera answers at all, so a reader waiting
// out its reconnection backoff notices a camera that came back without opening a whole session:
// RTSP is asked `OPTIONS` (any RTSP status line counts, 401 included); HTTP(S) and RTSPS count as
// answering when the TCP connection is accepted; a file when it exists. Blocking (name lookup,
// connect, one read, each bounded): call it only from a reader's own thread.
import Foundation
import VMSConfig

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

struct ReturnProbe: Sendable {
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

  /// True when the camera answers now.
  func answers() -> Bool {
    switch target {
    case .file(let path): return access(path, R_OK) == 0
    case .network(let endpoint):
      guard let socket = connect(endpoint) else { return false }
      defer { close(socket) }
      return endpoint.scheme == "rtsp" ? answersOptions(socket, endpoint) : true
    }
  }

  /// A connected non-blocking socket, or nil when nothing accepted within the timeout.
  private func connect(_ endpoint: StreamEndpoint) -> Int32? {
    var hints = addrinfo()
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    hints.ai_flags = AI_NUMERICSERV
    var list: UnsafeMutablePointer<addrinfo>?
    guard getaddrinfo(endpoint.host, String(endpoint.port), &hints, &list) == 0, let list else { return nil }
    defer { freeaddrinfo(list) }
    var entry: UnsafeMutablePointer<addrinfo>? = list
    while let address = entry {
      entry = address.pointee.ai_next
      let fd = socket(
        address.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
          | Int32(SOCK_CLOEXEC.rawValue), 0)
      guard fd >= 0 else { continue }
      let started = Glibc.connect(fd, address.pointee.ai_addr, address.pointee.ai_addrlen)
      if started == 0 || (errno == EINPROGRESS && wait(fd, for: Int16(POLLOUT)) && socketError(fd) == 0) {
        return fd
      }
      close(fd)
    }
    return nil
  }

  /// Sends `OPTIONS * RTSP/1.0` and reads the first bytes of the answer.
  private func answersOptions(_ fd: Int32, _ endpoint: StreamEndpoint) -> Bool {
    let request = Array("OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: vms-probe\r\n\r\n".utf8)
    let sent = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    guard sent == request.count, wait(fd, for: Int16(POLLIN)) else { return false }
    var reply = [UInt8](repeating: 0, count: 5)
    let count = reply.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
    return count == 5 && reply == Array("RTSP/".utf8)
  }

  private func wait(_ fd: Int32, for events: Int16) -> Bool {
    var entry = pollfd(fd: fd, events: events, revents: 0)
    let result = poll(&entry, 1, Int32(timeoutSeconds * 1000))
    return result == 1 && entry.revents & events != 0
  }

  private func socketError(_ fd: Int32) -> Int32 {
    var value: Int32 = 0
    var length = socklen_t(MemoryLayout<Int32>.size)
    return getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &length) == 0 ? value : -1
  }
}
