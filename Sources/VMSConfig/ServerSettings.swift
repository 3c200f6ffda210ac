// ServerSettings: the `server:` section, where the web server listens and where data lives.

public struct ServerSettings: Sendable, Equatable {
  /// Without brackets, also for IPv6 (`::1`).
  public var listenHost: String
  public var listenPort: Int
  /// Absolute: a relative `data_dir` is resolved against the configuration file's folder, so the
  /// service finds the same data whatever its working directory.
  public var dataDirectory: String

  public init(listenHost: String = "127.0.0.1", listenPort: Int = 8080, dataDirectory: String) {
    self.listenHost = listenHost
    self.listenPort = listenPort
    self.dataDirectory = dataDirectory
  }
}
