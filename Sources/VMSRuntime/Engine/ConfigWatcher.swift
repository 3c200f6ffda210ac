// Follows the configuration file: polls it twice a second and on SIGHUP, and hands a changed file
// to the supervisor once its content has been the same for two polls in a row, so an editor caught
// half-way through a write is not reported as a broken file. Polling (rather than inotify) also
// follows editors that write a new file and rename it over the old one, and files on any mount.
//
// A `Service`: the polls (swift-async-algorithms' timer) and SIGHUP (service-lifecycle's
// `UnixSignalsSequence`) are merged into one sequence that ends on graceful shutdown. `vms serve`
// runs it inside the engine's service, after the first configuration is applied, so a reload it
// asks for can never be queued before that first one. Reading the file blocks (a stuck mount
// would hang it), so the watcher runs on a thread of its own, not on the cooperative pool.
import AsyncAlgorithms
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals
import VMSConfig

public actor ConfigWatcher: Service {
  nonisolated let executor = ThreadExecutor(name: "config-watcher")
  public nonisolated var unownedExecutor: UnownedSerialExecutor {
    executor.asUnownedSerialExecutor()
  }

  private let path: String
  private let supervisor: Supervisor
  private let log: Logger
  private let interval: Duration
  private var lastHash: String?
  private var candidate: String?

  private enum Trigger: Sendable {
    case poll, hangup
  }

  public init(
    path: String, supervisor: Supervisor, initialText: String, log: Logger,
    interval: Duration = .milliseconds(500)
  ) {
    self.path = path
    self.supervisor = supervisor
    self.log = log
    self.interval = interval
    lastHash = ConfigFile.hash(initialText)
  }

  /// Polls every `interval`, and reloads at once on SIGHUP, until graceful shutdown or
  /// cancellation; then frees its thread (call it once). SIGHUP is handled from the moment this
  /// runs.
  public func run() async {
    defer { executor.shutdown() }
    let hangups = await UnixSignalsSequence(trapping: .sighup)
    let triggers = merge(
      AsyncTimerSequence(interval: interval, clock: .continuous).map { _ in Trigger.poll },
      hangups.map { _ in Trigger.hangup })
    for await trigger in triggers.cancelOnGracefulShutdown() {
      await poll(force: trigger == .hangup)
    }
  }

  private func poll(force: Bool) async {
    guard let text = ConfigFile.read(path) else { return }
    let hash = ConfigFile.hash(text)
    if hash == lastHash && !force {
      candidate = nil
      return
    }
    if !force && candidate != hash {
      // Seen once: wait for the next poll to confirm the writer is done.
      candidate = hash
      return
    }
    candidate = nil
    lastHash = hash
    // The camera management API writes the file and applies it itself. But a file put back to the
    // version in force after a rejected edit must still be applied, to clear the rejection.
    if await supervisor.configurationHash == hash, await supervisor.lastReport.applied { return }
    log.info("configuration file changed: reloading \(path)")
    await supervisor.reload(text: text, path: path)
  }
}
