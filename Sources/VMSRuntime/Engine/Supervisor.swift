// Runs the configured cameras: starts them, applies a new configuration as a per-camera diff, and
// stops them all (finalising every open clip) at shutdown.
//
// A new configuration is validated in full before anything moves; a rejected one changes nothing
// and is reported (log, status stream). Applying it touches only what changed: added cameras
// start, removed ones stop (finalising their clip; their footage stays in the index), changed ones
// are updated in place unless a URL or the enabled flag changed, unchanged ones are not touched.
import Detectors
import Foundation
import Logging
import Storage
import VMSConfig
import VMSMedia

public actor Supervisor {
  public let hub: StatusHub
  public let index: ClipIndex
  public let live: LiveFeeds
  /// Every camera's video for MSE live viewers (WebUI's live route subscribes to it).
  public nonisolated let liveVideo = LiveStreams()
  private let registry: DetectorRegistry
  private let storage: StorageHooks
  private let log: Logger
  /// How cameras open their inputs and tell time (FFmpeg and the machine's clocks, but in tests).
  private let sources: PacketSourceOpener
  private let clock: EngineClock
  private var cameras: [String: Camera] = [:]
  /// The configuration in force (the last one applied). Its `server` part is the one the process
  /// started with: those settings need a restart and are never half-applied.
  public private(set) var configuration: VMSConfiguration?
  /// Content hash of the file the configuration in force came from (see `ConfigFile`).
  public private(set) var configurationHash: String?
  /// The outcome of the last reload: a rejected file is reported until a good one is applied.
  public private(set) var lastReport = ConfigurationReport(applied: true)

  public init(
    hub: StatusHub, index: ClipIndex, live: LiveFeeds, registry: DetectorRegistry,
    storage: StorageHooks = .none, sources: PacketSourceOpener = .ffmpeg,
    clock: EngineClock = .live, log: Logger
  ) {
    self.sources = sources
    self.clock = clock
    self.hub = hub
    self.storage = storage
    self.index = index
    self.live = live
    self.registry = registry
    self.log = log
  }

  /// The last of the reloads, applies and the shutdown queued so far (see `inTurn`).
  private var queueTail: Task<Void, Never>?
  private var isShutDown = false

  /// Runs `work` once every reload, apply or shutdown asked before it has finished. The file
  /// watcher, SIGHUP and camera edits may ask at once, and an apply awaits cameras stopping and
  /// starting: two applies running together would interleave there and could leave a camera with
  /// two readers and two recorders.
  private func inTurn<T: Sendable>(_ work: @escaping @Sendable (isolated Supervisor) async -> T)
    async -> T
  {
    let previous = queueTail
    let turn = Task {
      await previous?.value
      return await work(self)
    }
    queueTail = Task { _ = await turn.value }
    return await turn.value
  }

  /// Parses and validates `text` (the file at `path`), then applies it; a rejected file changes
  /// nothing. Returns the report that was also posted on the status stream. Reloads and applies
  /// run one at a time, in the order asked.
  @discardableResult
  public func reload(text: String, path: String) async -> ConfigurationReport {
    await inTurn { await $0.reloadInTurn(text: text, path: path) }
  }

  private func reloadInTurn(text: String, path: String) async -> ConfigurationReport {
    guard !isShutDown else { return lastReport }
    let parsed: VMSConfiguration
    do {
      parsed = try ConfigLoader.parse(text: text, path: path, detectors: registry)
    } catch {
      let problems = error.problems.map(\.description)
      log.error(
        "configuration rejected, the previous one keeps running:\n  \(problems.joined(separator: "\n  "))"
      )
      let report = ConfigurationReport(applied: false, problems: problems)
      lastReport = report
      hub.post(.configuration(report))
      return report
    }
    configurationHash = ConfigFile.hash(text)
    let report = await applyInTurn(parsed)
    lastReport = report
    hub.post(.configuration(report))
    return report
  }

  /// Brings the running cameras in line with `new`, in turn with reloads.
  @discardableResult
  public func apply(_ new: VMSConfiguration) async -> ConfigurationReport {
    await inTurn { await $0.applyInTurn(new) }
  }

  private func applyInTurn(_ new: VMSConfiguration) async -> ConfigurationReport {
    guard !isShutDown else { return lastReport }
    var effective = new
    var restartNeeded: [String] = []
    if let running = configuration {
      effective.server = running.server
      // Only where it listens and where data lives need a restart.
      effective.server.healthDownAfterSeconds = new.server.healthDownAfterSeconds
      if running.server.listenHost != new.server.listenHost
        || running.server.listenPort != new.server.listenPort
      {
        restartNeeded.append("server.listen")
      }
      if running.server.dataDirectory != new.server.dataDirectory {
        restartNeeded.append("server.data_dir")
      }
      if !restartNeeded.isEmpty {
        log.warning("\(restartNeeded.joined(separator: ", ")) changed: restart vms to apply")
      }
    }
    configuration = effective
    await storage.janitor?.update(policy: RetentionPolicy(configuration: effective))
    // Kept with the footage: a camera removed later is still shown under its name.
    do {
      try await index.rememberCameraNames(
        Dictionary(new.cameras.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first }))
    } catch {
      log.warning("could not record the cameras' names in the index: \(error)")
    }

    var running: [String: CameraSettings] = [:]
    for (id, camera) in cameras { running[id] = await camera.settings }
    let diff = CameraDiff(running: running, wanted: new.cameras)
    for id in diff.removed {
      await cameras[id]?.stop()
      cameras[id] = nil
      hub.post(.removed(cameraId: id))
    }
    for settings in diff.updated { await cameras[settings.id]?.update(settings) }
    for settings in diff.restarted {
      await cameras[settings.id]?.stop()
      cameras[settings.id] = nil
    }
    for settings in diff.restarted + diff.added {
      let camera = Camera(
        settings: settings, hub: hub, index: index, live: live.feed(for: settings.id),
        registry: registry,
        storage: storage, liveVideo: liveVideo, sources: sources, clock: clock, log: log)
      cameras[settings.id] = camera
      await camera.start()
    }
    let changes = diff.summary
    if !changes.isEmpty {
      log.info("configuration applied: \(changes.sorted().joined(separator: ", "))")
    }
    return ConfigurationReport(applied: true, restartNeeded: restartNeeded)
  }

  /// Stops every camera concurrently once the reloads asked before are done; returns once every
  /// open clip is finalised. Reloads asked afterwards change nothing.
  public func shutdown() async {
    await inTurn { await $0.shutdownInTurn() }
  }

  private func shutdownInTurn() async {
    isShutDown = true
    await withTaskGroup(of: Void.self) { group in
      for camera in cameras.values { group.addTask { await camera.stop() } }
    }
    cameras = [:]
  }
}
