// `vms check-config --config PATH`: validates a configuration file and reports every problem with
// file:line:column, without starting anything.
import ArgumentParser
import VMSConfig

struct CheckConfigCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check-config",
    abstract: "Check a configuration file and list every problem in it.")

  @Option(name: .long, help: "Path of the YAML configuration file.")
  var config: String = "config/vms.yaml"

  func run() throws {
    let loaded = try loadConfiguration(path: config)
    let enabled = loaded.cameras.filter(\.enabled).count
    for warning in loaded.warnings { print("warning: \(warning)") }
    print("\(config): OK, \(loaded.cameras.count) camera(s), \(enabled) enabled")
  }
}

/// Loads and validates the configuration, printing every problem to stderr and failing when any.
func loadConfiguration(path: String) throws -> VMSConfiguration {
  do {
    return try ConfigLoader.load(path: path, detectors: detectorRegistry)
  } catch {
    throw reportProblems(error, path: path)
  }
}

/// `text`, read from `path`, validated like `loadConfiguration`.
func parseConfiguration(text: String, path: String) throws -> VMSConfiguration {
  do {
    return try ConfigLoader.parse(text: text, path: path, detectors: detectorRegistry)
  } catch {
    throw reportProblems(error, path: path)
  }
}

private func reportProblems(_ error: ConfigError, path: String) -> ExitCode {
  printError("\(path): the configuration has \(error.problems.count) problem(s):")
  for problem in error.problems { printError("  \(problem)") }
  return ExitCode(1)
}
