// A request written byte for byte on a TCP connection, for what HummingbirdTesting's client cannot
// send: a real WebSocket upgrade (`Connection: Upgrade`; the test client forces keep-alive).
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

enum RawHTTP {
  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  /// Sends `request` to localhost:`port` and returns what arrives until `enough` says so, the
  /// peer closes, or 5 s pass.
  static func exchange(port: Int, request: String, enough: @escaping @Sendable (String) -> Bool)
    async throws -> String
  {
    try await Task.detached {
      let descriptor = try connect(port: port)
      defer { close(descriptor) }
      var timeout = timeval(tv_sec: 5, tv_usec: 0)
      setsockopt(
        descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
      let bytes = Array(request.utf8)
      guard bytes.withUnsafeBytes({ send(descriptor, $0.baseAddress, $0.count, 0) }) == bytes.count
      else {
        throw Failure(description: "could not send the request")
      }
      var received: [UInt8] = []
      var buffer = [UInt8](repeating: 0, count: 4096)
      while !enough(String(decoding: received, as: UTF8.self)) {
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        if count <= 0 { break }
        received += buffer[0..<count]
      }
      return String(decoding: received, as: UTF8.self)
    }.value
  }

  /// A connected socket to localhost (IPv4 or IPv6, whichever the server listens on).
  private static func connect(port: Int) throws -> Int32 {
    var hints = addrinfo()
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    var list: UnsafeMutablePointer<addrinfo>?
    guard getaddrinfo("localhost", String(port), &hints, &list) == 0 else {
      throw Failure(description: "cannot resolve localhost")
    }
    defer { freeaddrinfo(list) }
    var entry = list
    while let info = entry {
      let descriptor = socket(
        info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
      if descriptor >= 0 {
        if Glibc.connect(descriptor, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 {
          return descriptor
        }
        close(descriptor)
      }
      entry = info.pointee.ai_next
    }
    throw Failure(description: "cannot connect to localhost:\(port)")
  }

  /// A WebSocket upgrade of `path` with `headers` (one `Name: value` per line).
  static func upgradeRequest(_ path: String, headers: [String]) -> String {
    ([
      "GET \(path) HTTP/1.1", "Host: localhost", "Connection: Upgrade", "Upgrade: websocket",
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13",
    ] + headers).joined(separator: "\r\n") + "\r\n\r\n"
  }

  /// The status code of the response's first line.
  static func status(of response: String) -> Int? {
    let parts = response.prefix { $0 != "\r" }.split(separator: " ")
    return parts.count >= 2 ? Int(parts[1]) : nil
  }
}
