// `vms check-storage --config PATH [--repair]`: compares the clip index with the files under the data
// directory and reports (or repairs) every inconsistency; exit 0 when storage is consistent.
import ArgumentParser
import Foundation
import Logging
import Storage
import Timekeeping
import VMSMedia
import VMSRuntime

struct CheckStorageCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check-storage",
    abstract: "Check that the clip index and the files under the data directory agree.",
    discussion: """
      Reports rows whose video is missing, videos without a row, clips left recording, interrupted \
      archive moves, wrong sizes and stray files. With --repair: finishes clips left recording from \
      their files, adopts playable videos (with their probed duration), finishes interrupted moves, \
      corrects rows, and removes rows whose video is gone. Unknown files are never touched. \
      Exit status 0 when storage is consistent (after the repairs), 1 otherwise.
      """)

  @Option(name: .long, help: "Path of the YAML configuration file.")
  var config: String = "config/vms.yaml"

  @Flag(name: .long, help: "Repair what can be repaired (stop vms serve first).")
  var repair = false

  func run() throws {
    let configuration = try loadConfiguration(path: config)
    let dataDirectory = configuration.server.dataDirectory
    var log = Logger(label: "vms.check-storage")
    log.logLevel = .warning
    FFmpegLog.showErrorsOnly()

    let lock: DataDirectoryLock?
    do {
      lock = try DataDirectoryLock.acquire(dataDirectory: dataDirectory)
    } catch {
      printError("\(error)")
      throw ExitCode(1)
    }
    let serverRunning = lock == nil
    if serverRunning && repair {
      printError(
        "vms serve is running on \(dataDirectory): stop it before --repair (it repairs at start-up), or check without --repair"
      )
      throw ExitCode(1)
    }
    let index: ClipIndex
    do {
      index = try ClipIndex.open(dataDirectory: dataDirectory)
    } catch {
      printError("cannot open the data directory \(dataDirectory): \(error)")
      throw ExitCode(1)
    }
    defer { try? index.close() }

    // A running server may be opening a clip right now: files of the last minute are not judged, and
    // its clips in `recording` are being written, not left by a crash.
    let freshSinceMs =
      serverRunning ? WallTime.now().sinceEpochMs - 60_000 : nil
    var summary = StorageCheck.run(
      index: index, repairs: repair ? .all : .none, log: log, freshSinceMs: freshSinceMs)
    if serverRunning { summary.report.recording = [] }
    print("\(dataDirectory):\(serverRunning ? " (vms serve is running)" : "")")
    for line in summary.lines { print("  \(line)") }
    var consistent = summary.problemsLeft == 0 && summary.errors.isEmpty
    if repair {
      // Judge the result by a second look, not by counting repairs.
      let after = StorageCheck.run(index: index, repairs: .none, log: log)
      let left = after.problemsLeft
      consistent = left == 0 && after.errors.isEmpty
      print("  after repair: \(left == 0 ? "storage is consistent" : "\(left) problem(s) left")")
    }
    withExtendedLifetime(lock) {}
    if !consistent { throw ExitCode(1) }
  }
}
