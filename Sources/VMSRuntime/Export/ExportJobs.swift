// Runs exports (one MP4 from a camera's footage over a time range, `RangeExporter`) in the
// background, one at a time, in the order they were asked for.
//
// An actor on its own thread (`ThreadExecutor`): the copy reads and writes files and fsyncs, which
// must never run on the cooperative pool. Route handlers insert the row (`running`) and `enqueue`
// it; neither that nor `cancel` waits for the export under way. Progress is written to the row and
// published on the status hub (the events WebSocket's `export` message) at most every 250 ms.
//
// A `Service`: on graceful shutdown the export under way stops, its partial file goes, and every
// export left `running` becomes `failed` ("interrupted by a restart"), as start-up does after a crash
// (`ClipIndex.recoverExports`).
import Foundation
import Logging
import ServiceLifecycle
import Storage
import Synchronization
import VMSMedia

public actor ExportJobs: Service {
  nonisolated let executor = ThreadExecutor(name: "exports")
  public nonisolated var unownedExecutor: UnownedSerialExecutor {
    executor.asUnownedSerialExecutor()
  }

  /// How often a running export's progress is written and published, at most.
  static let progressInterval: Duration = .milliseconds(250)
  static let interruptedReason = "interrupted by a restart: export again"

  private let index: ClipIndex
  private let hub: StatusHub
  private let log: Logger
  private let nowMs: @Sendable () -> Int64
  private let ids: AsyncStream<Int64>
  private nonisolated let queue: AsyncStream<Int64>.Continuation

  private struct Stops {
    var cancelled: Set<Int64> = []
    var shuttingDown = false
  }
  private nonisolated let stops = Mutex(Stops())

  public init(
    index: ClipIndex, hub: StatusHub, log: Logger = Logger(label: "vms.exports"),
    nowMs: @escaping @Sendable () -> Int64 = { EngineClock.live.wallMs }
  ) {
    self.index = index
    self.hub = hub
    self.log = log
    self.nowMs = nowMs
    (ids, queue) = AsyncStream<Int64>.makeStream(bufferingPolicy: .unbounded)
  }

  /// Queues an export whose row was just inserted `running`; never waits.
  public nonisolated func enqueue(_ record: ExportRecord) {
    hub.post(.export(record))
    queue.yield(record.id)
  }

  /// Stops an export (queued or under way) whose row was deleted: its partial file is removed.
  public nonisolated func cancel(id: Int64) {
    stops.withLock { _ = $0.cancelled.insert(id) }
    hub.post(.exportRemoved(id: id))
  }

  /// Runs the queued exports until graceful shutdown (or cancellation), then marks what is left
  /// failed and frees its thread. Run it once.
  public func run() async {
    defer { executor.shutdown() }
    await withGracefulShutdownHandler {
      for await id in ids {
        if Task.isCancelled || stops.withLock({ $0.shuttingDown }) { break }
        runOne(id: id)
      }
    } onGracefulShutdown: {
      self.beginShutdown()
    }
    stops.withLock { $0.shuttingDown = true }
    do {
      for record in try index.recoverExports(reason: Self.interruptedReason) {
        hub.post(.export(record))
        log.notice("export \(record.id) stopped by the shutdown: \(Self.interruptedReason)")
      }
    } catch {
      log.error("cannot mark the exports left running as failed: \(error)")
    }
  }

  /// The export under way stops at its next check; queued ones are not started.
  private nonisolated func beginShutdown() {
    stops.withLock { $0.shuttingDown = true }
    queue.finish()
  }

  private nonisolated func shouldStop(_ id: Int64) -> Bool {
    stops.withLock { $0.shuttingDown || $0.cancelled.contains(id) }
  }

  /// One export, start to end, on this actor's thread (blocking file work).
  private func runOne(id: Int64) {
    guard !shouldStop(id) else { return }
    let record: ExportRecord
    let footage: [ClipRecord]
    do {
      guard let row = try index.export(id: id), row.state == .running else { return }
      record = row
      footage = try index.footage(
        cameraId: row.cameraId, startMs: row.startMs, endMs: row.endMs, nowMs: nowMs())
    } catch {
      fail(id: id, reason: "cannot read the index: \(error)")
      return
    }
    let sources = footage.compactMap { clip in
      (try? index.absolutePath(of: clip.file)).map {
        RangeExporter.Source(path: $0, startMs: clip.startMs)
      }
    }
    let paths = index.layout.exportPaths(id: id)
    let started = ContinuousClock.now
    var lastPublished = started
    log.info(
      "export \(id) of \(record.cameraId) started: \(sources.count) file(s), \(record.endMs - record.startMs) ms"
    )
    do {
      let outcome = try RangeExporter.export(
        sources: sources, startMs: record.startMs, endMs: record.endMs,
        partialPath: paths.partial, finalPath: paths.final,
        progress: { fraction in
          let now = ContinuousClock.now
          guard now - lastPublished >= Self.progressInterval else { return }
          lastPublished = now
          self.publishProgress(record, fraction)
        },
        isCancelled: { self.shouldStop(id) })
      guard let done = try index.endExport(id: id, state: .done, sizeBytes: outcome.sizeBytes)
      else {
        // Deleted while it was being finished: its file goes too.
        index.removeExportFiles(id: id)
        return
      }
      hub.post(.export(done))
      let elapsed = (ContinuousClock.now - started).components
      let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
      log.info(
        "export \(id) done: \(String(format: "%.1f", outcome.durationSeconds)) s of video, \(outcome.sizeBytes) bytes, \(outcome.skippedMs) ms without footage skipped, in \(String(format: "%.1f", seconds)) s"
      )
    } catch RangeExporter.Failure.cancelled {
      if stops.withLock({ $0.shuttingDown }) {
        fail(id: id, reason: Self.interruptedReason)
      } else {
        index.removeExportFiles(id: id)  // deleted: the row is gone already
        log.info("export \(id) cancelled (deleted)")
      }
    } catch {
      fail(id: id, reason: "\(error)")
    }
  }

  private func publishProgress(_ record: ExportRecord, _ fraction: Double) {
    var record = record
    record.progress = fraction
    do {
      guard try index.updateExportProgress(id: record.id, progress: fraction) else { return }
      hub.post(.export(record))
    } catch {
      log.warning("cannot write the progress of export \(record.id): \(error)")
    }
  }

  private func fail(id: Int64, reason: String) {
    log.warning("export \(id) failed: \(reason)")
    index.removeExportFiles(id: id)
    do {
      if let failed = try index.endExport(id: id, state: .failed, error: reason) {
        hub.post(.export(failed))
      }
    } catch {
      log.error("cannot mark export \(id) failed: \(error)")
    }
  }
}
