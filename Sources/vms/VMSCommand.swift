// The `vms` command line: `serve`, `check-config`, `hash-password`.
import ArgumentParser
import Detectors
import VMSRuntime

@main
struct VMSCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "vms",
    abstract: "A video management system: records what moves on your cameras, serves a web UI.",
    version: VMSVersion.string,
    subcommands: [
      ServeCommand.self, CheckConfigCommand.self, HashPasswordCommand.self,
      CheckStorageCommand.self,
      ImportSeedCommand.self,
    ])
}

/// The detectors this build knows; the YAML validator checks types and options against it.
let detectorRegistry = DetectorRegistry.builtIn
