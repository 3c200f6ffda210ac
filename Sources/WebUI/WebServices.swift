// What the web layer needs from the engine, passed in once at start-up.
import Storage
import VMSRuntime

public struct WebServices: Sendable {
  public var hub: StatusHub
  public var index: ClipIndex
  /// Runs the cameras; `await supervisor.configuration` is the configuration in force.
  public var supervisor: Supervisor
  public var live: LiveFeeds
  /// Path of the YAML file (camera management rewrites it).
  public var configPath: String

  public init(hub: StatusHub, index: ClipIndex, supervisor: Supervisor, live: LiveFeeds, configPath: String) {
    self.hub = hub
    self.index = index
    self.supervisor = supervisor
    self.live = live
    self.configPath = configPath
  }
}
