// `vms serve --config PATH`: runs the cameras and the web server until SIGINT or SIGTERM, then
// finalises every open clip and exits 0.
import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import Storage
import VMSConfig
import VMSRuntime
import WebUI

struct ServeCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "serve", abstract: "Run the cameras and the web UI.")

  @Option(name: .long, help: "Path of the YAML configuration file.")
  var config: String = "config/vms.yaml"

  @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
  var logLevel: Logger.Level = .info

  func run() async throws {
    let configuration = try loadConfiguration(path: config)
    let level = logLevel
    LoggingSystem.bootstrap { label in
      var handler = StreamLogHandler.standardError(label: label)
      handler.logLevel = level
      return handler
    }
    let log = Logger(label: "vms")
    FFmpegLog.showErrorsOnly()

    let index: ClipIndex
    do {
      index = try ClipIndex.open(dataDirectory: configuration.server.dataDirectory)
    } catch {
      printError("cannot open the data directory \(configuration.server.dataDirectory): \(error)")
      throw ExitCode(1)
    }
    let repaired = ClipRepair.run(index: index, log: log)
    if repaired != ClipRepair.Summary() {
      log.notice("start-up repair: \(repaired.completed) clip(s) completed, \(repaired.removed) removed")
    }

    let hub = StatusHub()
    let live = LiveFeeds()
    let supervisor = Supervisor(hub: hub, index: index, live: live, registry: detectorRegistry, log: log)
    let services = WebServices(
      hub: hub, index: index, supervisor: supervisor, live: live, configPath: config)
    let app = WebServer.application(
      host: configuration.server.listenHost, port: configuration.server.listenPort, services: services)
    let engine = EngineService(supervisor: supervisor, configuration: configuration)
    let group = ServiceGroup(
      configuration: .init(
        services: [.init(service: app), .init(service: engine)],
        gracefulShutdownSignals: [.sigterm, .sigint],
        logger: log))
    log.info(
      "vms \(VMSVersion.string) serving http://\(configuration.server.listenHost):\(configuration.server.listenPort)/ with \(configuration.cameras.count) camera(s), data in \(configuration.server.dataDirectory)"
    )
    do {
      try await group.run()
    } catch {
      printError("vms stopped: \(error)")
      throw ExitCode(1)
    }
    log.info("stopped cleanly")
  }
}

/// Runs the cameras as a service of the group: starts them, and on graceful shutdown stops them
/// and waits for their clips to be finalised.
struct EngineService: Service {
  let supervisor: Supervisor
  let configuration: VMSConfiguration

  func run() async throws {
    await supervisor.apply(configuration)
    try? await gracefulShutdown()
    await supervisor.shutdown()
  }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
