// What the web layer needs from the engine, passed in once at start-up.
import Detectors
import NIOPosix
import Prometheus
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
  /// Camera management: edits of the YAML file, applied through the supervisor.
  public var cameraEditing: CameraEditing
  /// What `GET /metrics` renders: the registry behind the process's `MetricsSystem` (nil: no route).
  public var metrics: PrometheusCollectorRegistry?
  /// Where the routes' blocking file work runs (see HTTP/FileThreads.swift): NIO's shared pool
  /// for blocking calls (one thread per core) unless given.
  public var fileThreads: NIOThreadPool
  /// Runs exports in the background (its `run()` is a service of `vms serve`).
  public var exports: ExportJobs

  public init(
    hub: StatusHub, index: ClipIndex, supervisor: Supervisor, live: LiveFeeds, configPath: String,
    registry: DetectorRegistry = .builtIn, metrics: PrometheusCollectorRegistry? = nil,
    fileThreads: NIOThreadPool = .singleton, exports: ExportJobs? = nil
  ) {
    self.exports = exports ?? ExportJobs(index: index, hub: hub)
    self.metrics = metrics
    self.fileThreads = fileThreads
    cameraEditing = CameraEditing(path: configPath, supervisor: supervisor, registry: registry)
    self.hub = hub
    self.index = index
    self.supervisor = supervisor
    self.live = live
    self.configPath = configPath
  }

  /// The index as route handlers use it: SQL through GRDB's async access, file work on
  /// `fileThreads`; nothing blocks the cooperative pool.
  public var store: AsyncClipIndex { AsyncClipIndex(index, files: FileThreads(pool: fileThreads)) }
}
