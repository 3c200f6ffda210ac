// ServerSettings: the `server:` section, where the web server listens and where data lives.

public struct ServerSettings: Sendable, Equatable {
  /// Without brackets, also for IPv6 (`::1`).
  public var listenHost: String
  public var listenPort: Int
  /// Absolute: a relative `data_dir` is resolved against the configuration file's folder, so the
  /// service finds the same data whatever its working directory.
  public var dataDirectory: String
  /// `GET /api/v1/health` answers 503 once an enabled camera has been down this long (monitoring
  /// then pages someone); 0 never does. YAML `health_down_after`, default 5 minutes.
  public var healthDownAfterSeconds: Double

  public init(
    listenHost: String = "127.0.0.1", listenPort: Int = 8080, dataDirectory: String,
    healthDownAfterSeconds: Double = 300
  ) {
    self.listenHost = listenHost
    self.listenPort = listenPort
    self.dataDirectory = dataDirectory
    self.healthDownAfterSeconds = healthDownAfterSeconds
  }
}
