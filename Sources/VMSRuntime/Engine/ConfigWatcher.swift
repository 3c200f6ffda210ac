// Follows the configuration file: polls it twice a second and on SIGHUP, and hands a changed file
// to the supervisor once its content has been the same for two polls in a row, so an editor caught
// half-way through a write is not reported as a broken file. Polling (rather than inotify) also
// follows editors that write a new file and rename it over the old one, and files on any mount.
import Foundation
import Logging
import VMSConfig

public actor ConfigWatcher {
  private let path: String
  private let supervisor: Supervisor
  private let log: Logger
  private let interval: Duration
  private var lastHash: String?
  private var candidate: String?
  private var signalSource: DispatchSourceSignal?

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

  /// Polls until the task is cancelled.
  public func run() async {
    installSIGHUP()
    while !Task.isCancelled {
      try? await Task.sleep(for: interval)
      await poll(force: false)
    }
    signalSource?.cancel()
  }

  /// Reloads now (SIGHUP, or after the API rewrote the file), skipping the stability wait.
  public func reloadNow() async {
    await poll(force: true)
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

  private func installSIGHUP() {
    signal(SIGHUP, SIG_IGN)
    let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
    source.setEventHandler { [weak self] in
      Task { await self?.reloadNow() }
    }
    source.resume()
    signalSource = source
  }
}
