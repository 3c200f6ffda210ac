// `vms serve --config PATH`: runs the cameras and the web server until SIGINT or SIGTERM, then
// finalises every open clip and exits 0.
import ArgumentParser
import Foundation
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import Storage
import VMSConfig
import VMSMedia
import VMSRuntime
import WebUI

struct ServeCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "serve", abstract: "Run the cameras and the web UI.")

  @Option(name: .long, help: "Path of the YAML configuration file.")
  var config: String = "config/vms.yaml"

  @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
  var logLevel: LogLevel = .info

  func run() async throws {
    // Read once: the engine starts from the very text validated here, not from a second read that
    // could see another version of the file (or none).
    guard let configText = ConfigFile.read(config) else {
      _ = try loadConfiguration(path: config)  // says why the file cannot be read
      printError("\(config): cannot read the file")
      throw ExitCode(1)
    }
    let configuration = try parseConfiguration(text: configText, path: config)
    let level = Logger.Level(rawValue: logLevel.rawValue) ?? .info
    LoggingSystem.bootstrap { label in
      var handler = StreamLogHandler.standardError(label: label)
      handler.logLevel = level
      return handler
    }
    let log = Logger(label: "vms")
    // SIGHUP reloads the configuration once the engine's watcher runs; until then (start-up) it
    // is ignored rather than ending the process (the watcher's polls still see a changed file).
    signal(SIGHUP, SIG_IGN)
    FFmpegLog.showErrorsOnly()
    // Before any camera or the janitor exists: metric objects bind to the factory when made.
    let metrics = PrometheusCollectorRegistry()
    var metricsFactory = PrometheusMetricsFactory(registry: metrics)
    metricsFactory.durationHistogramBuckets = VMSMetrics.durationBuckets
    MetricsSystem.bootstrap(metricsFactory)

    // Storage lifecycle: one server per data directory (locked before anything touches it, so a
    // second server never opens or migrates the index under a running one), the start-up check,
    // then the janitor.
    let dataLock: DataDirectoryLock?
    do {
      dataLock = try DataDirectoryLock.acquire(dataDirectory: configuration.server.dataDirectory)
    } catch {
      printError("\(error)")
      throw ExitCode(1)
    }
    guard let dataLock else {
      printError(
        "another vms serve uses \(configuration.server.dataDirectory): stop it first, one server per data directory"
      )
      throw ExitCode(1)
    }
    let index: ClipIndex
    do {
      index = try ClipIndex.open(dataDirectory: configuration.server.dataDirectory)
    } catch {
      printError("cannot open the data directory \(configuration.server.dataDirectory): \(error)")
      throw ExitCode(1)
    }
    let checked = StorageCheck.run(index: index, repairs: .startUp, log: log)
    for line in checked.lines {
      log.log(level: checked.report.isConsistent ? .info : .notice, "storage check: \(line)")
    }
    do {
      // Exports a crash interrupted end failed, before anyone can ask for them.
      for export in try index.recoverExports() {
        log.notice("export \(export.id) was interrupted by a restart: marked failed")
      }
    } catch {
      log.error("cannot recover the exports a crash interrupted: \(error)")
    }
    let hub = StatusHub()
    let janitor = StorageJanitor(
      index: index, policy: RetentionPolicy(configuration: configuration), log: log,
      onPressureChange: { reason in hub.post(.diskPressure(reason)) })
    defer { withExtendedLifetime(dataLock) {} }

    let live = LiveFeeds()
    let supervisor = Supervisor(
      hub: hub, index: index, live: live, registry: detectorRegistry,
      storage: StorageHooks(janitor: janitor), log: log)
    let exports = ExportJobs(
      index: index, hub: hub, log: log,
      room: .init(
        pressure: janitor.pressure,
        minFreeBytes: RetentionPolicy(configuration: configuration).minFreeBytes))
    let services = WebServices(
      hub: hub, index: index, supervisor: supervisor, live: live, configPath: config,
      metrics: metrics, exports: exports)
    let auth: (authenticator: Authenticator, oneTimeNotice: String?)
    do {
      auth = try WebServer.authenticator(configuration: configuration, supervisor: supervisor)
    } catch {
      printError("cannot set up sign-in: \(error)")
      throw ExitCode(1)
    }
    if let notice = auth.oneTimeNotice { printError(notice) }
    let app = WebServer.application(
      host: configuration.server.listenHost, port: configuration.server.listenPort,
      services: services,
      authenticator: auth.authenticator, configuration: configuration, log: log)
    let engine = EngineService(
      supervisor: supervisor, configPath: config, initialText: configText, log: log)
    // Every long-running part is a service of one group. On SIGTERM or SIGINT the group shuts them
    // down one at a time, last listed first, each finished before the next is told: the engine
    // (cameras stop and finalise their open clips, posting their last statuses), the web server
    // (live streams and WebSockets end), the exports (the one under way stops, marked failed), the
    // janitor (its pass under way ends), and the status hub
    // last, so every status posted until then is applied. The index closes after them all.
    let group = ServiceGroup(
      configuration: .init(
        services: [
          .init(service: hub), .init(service: janitor), .init(service: exports),
          .init(service: app),
          .init(service: engine),
        ],
        gracefulShutdownSignals: [.sigterm, .sigint],
        logger: log))
    log.info(
      "vms \(VMSVersion.string) serving http://\(configuration.server.listenHost):\(configuration.server.listenPort)/ with \(configuration.cameras.count) camera(s), data in \(configuration.server.dataDirectory)"
    )
    do {
      try await group.run()
    } catch {
      auth.authenticator.sessions.flush()
      try? index.close()
      printError("vms stopped: \(error)")
      throw ExitCode(1)
    }
    auth.authenticator.sessions.flush()  // a sign-in just before the stop survives the restart
    do {
      try index.close()
    } catch {
      log.error("could not close the index cleanly: \(error)")
    }
    log.info("stopped cleanly")
  }
}

/// Runs the cameras as a service of the group: starts them, follows the configuration file (hot
/// reload, SIGHUP: `ConfigWatcher`, itself a service), and on graceful shutdown stops them and
/// waits for their clips to be finalised.
struct EngineService: Service, CustomStringConvertible {
  let supervisor: Supervisor
  let configPath: String
  /// The text `vms serve` validated at start.
  let initialText: String
  let log: Logger

  /// What service-lifecycle logs for this service: never the configuration text (camera passwords).
  var description: String { "EngineService(\(configPath))" }

  func run() async throws {
    let text = initialText
    await supervisor.reload(text: text, path: configPath)
    // Runs until the group's graceful shutdown (or cancellation) reaches this service; started
    // only now, so no reload it asks for is queued before the first configuration.
    await ConfigWatcher(path: configPath, supervisor: supervisor, initialText: text, log: log).run()
    await supervisor.shutdown()
  }
}

/// `--log-level`: swift-log's levels by name (our own type: conforming swift-log's type to
/// ArgumentParser's protocol would be a retroactive conformance).
enum LogLevel: String, CaseIterable, ExpressibleByArgument {
  case trace, debug, info, notice, warning, error, critical
}
