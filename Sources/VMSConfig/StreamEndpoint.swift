// StreamEndpoint: where a network stream URL connects (scheme, host, port), for the engine's cheap
// "is the camera back?" probe. Built on the same URL split as the validation, so both agree.

public struct StreamEndpoint: Sendable, Equatable {
  /// Lower case: `rtsp`, `rtsps`, `http` or `https`.
  public var scheme: String
  /// Without IPv6 brackets.
  public var host: String
  public var port: Int

  static let defaultPorts = ["rtsp": 554, "rtsps": 322, "http": 80, "https": 443]

  public init(scheme: String, host: String, port: Int) {
    self.scheme = scheme
    self.host = host
    self.port = port
  }

  /// Nil for a file path or anything that is not a network URL with a host.
  public init?(url: String) {
    guard let parts = URLParts(url) else { return nil }
    let scheme = parts.scheme.lowercased()
    guard let defaultPort = Self.defaultPorts[scheme] else { return nil }
    let (host, portText) = parts.hostAndPort
    guard !host.isEmpty else { return nil }
    let port = portText.flatMap { Int($0) } ?? defaultPort
    guard (1...65535).contains(port) else { return nil }
    self.scheme = scheme
    self.host = String(host)
    self.port = port
  }
}
