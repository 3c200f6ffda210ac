// Runs the configured cameras: starts them, applies a new configuration as a per-camera diff, and
// stops them all (finalising every open clip) at shutdown.
import Detectors
import Logging
import Storage
import VMSConfig

public actor Supervisor {
  public let hub: StatusHub
  public let index: ClipIndex
  public let live: LiveFeeds
  private let registry: DetectorRegistry
  private let log: Logger
  private var cameras: [String: Camera] = [:]
  /// The configuration in force (the last one applied).
  public private(set) var configuration: VMSConfiguration?

  public init(hub: StatusHub, index: ClipIndex, live: LiveFeeds, registry: DetectorRegistry, log: Logger) {
    self.hub = hub
    self.index = index
    self.live = live
    self.registry = registry
    self.log = log
  }

  /// Brings the running cameras in line with `configuration`: added ones start, removed ones stop,
  /// changed ones restart, unchanged ones are left alone.
  public func apply(_ configuration: VMSConfiguration) async {
    self.configuration = configuration
    let wanted = Dictionary(configuration.cameras.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    for (id, camera) in cameras where wanted[id] != camera.settings {
      await camera.stop()
      cameras[id] = nil
      if wanted[id] == nil {
        hub.post(.removed(cameraId: id))
        log.info("camera \(id) removed")
      }
    }
    for settings in configuration.cameras where cameras[settings.id] == nil {
      let camera = Camera(
        settings: settings, hub: hub, index: index, live: live.feed(for: settings.id), registry: registry, log: log)
      cameras[settings.id] = camera
      await camera.start()
      log.info("camera \(settings.id) \(settings.enabled ? "started" : "is disabled")")
    }
  }

  /// Stops every camera concurrently; returns once every open clip is finalised.
  public func shutdown() async {
    await withTaskGroup(of: Void.self) { group in
      for camera in cameras.values { group.addTask { await camera.stop() } }
    }
    cameras = [:]
  }
}
