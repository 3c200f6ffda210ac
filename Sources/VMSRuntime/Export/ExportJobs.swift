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
  private let room: Room
  private let ids: AsyncStream<Int64>
  private nonisolated let queue: AsyncStream<Int64>.Continuation

  private struct Stops {
    /// Queued or under way; only these can be cancelled, and each leaves both sets when it ends.
    var pending: Set<Int64> = []
    var cancelled: Set<Int64> = []
    var shuttingDown = false
  }
  private nonisolated let stops = Mutex(Stops())

  /// What an export must leave free on the data disk. An export is kept outside retention: were it
  /// to eat into `storage.min_free_bytes`, the janitor would delete recordings for it and recording
  /// would pause. So it does not start when its estimated size does not fit above that reserve, nor
  /// while recording is paused for lack of space.
  public struct Room: Sendable {
    /// The janitor's (`StorageJanitor.pressure`).
    public var pressure: DiskPressure
    /// `storage.min_free_bytes` (`RetentionPolicy.minFreeBytes`).
    public var minFreeBytes: Int64
    public var diskSpace: DiskSpaceProbe

    public init(
      pressure: DiskPressure, minFreeBytes: Int64,
      diskSpace: @escaping DiskSpaceProbe = { try DiskSpace.of(path: $0) }
    ) {
      self.pressure = pressure
      self.minFreeBytes = minFreeBytes
      self.diskSpace = diskSpace
    }

    /// No reserve and never paused; the free space is still checked.
    public static let noReserve = Room(pressure: DiskPressure(), minFreeBytes: 0)
  }

  public init(
    index: ClipIndex, hub: StatusHub, log: Logger = Logger(label: "vms.exports"),
    nowMs: @escaping @Sendable () -> Int64 = { EngineClock.live.wallMs },
    room: Room = .noReserve
  ) {
    self.index = index
    self.hub = hub
    self.log = log
    self.nowMs = nowMs
    self.room = room
    (ids, queue) = AsyncStream<Int64>.makeStream(bufferingPolicy: .unbounded)
  }

  /// Queues an export whose row was just inserted `running`; never waits.
  public nonisolated func enqueue(_ record: ExportRecord) {
    stops.withLock { _ = $0.pending.insert(record.id) }
    hub.post(.export(record))
    queue.yield(record.id)
  }

  /// Stops an export (queued or under way) whose row was deleted: its partial file is removed.
  public nonisolated func cancel(id: Int64) {
    stops.withLock { stops in
      if stops.pending.contains(id) { stops.cancelled.insert(id) }
    }
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

  /// Deleted, or the server stops, or (asked from a task) the task running the exports was
  /// cancelled.
  private nonisolated func shouldStop(_ id: Int64) -> Bool {
    Task.isCancelled || stops.withLock { $0.shuttingDown || $0.cancelled.contains(id) }
  }

  /// The export under way or queued stops because the server does, not because it was deleted.
  private nonisolated var isStopping: Bool {
    Task.isCancelled || stops.withLock { $0.shuttingDown }
  }

  /// One export, start to end, on this actor's thread (blocking file work).
  private func runOne(id: Int64) {
    defer {
      stops.withLock {
        $0.pending.remove(id)
        $0.cancelled.remove(id)
      }
    }
    guard !shouldStop(id) else { return }
    let record: ExportRecord
    let footage: [ClipRecord]
    do {
      guard let row = try index.export(id: id), row.state == .running else { return }
      record = row
      footage = try index.footage(
        cameraId: row.cameraId, startMs: row.startMs, endMs: row.endMs, nowMs: nowMs())
    } catch {
      fail(id: id, record: nil, reason: "cannot read the index: \(error)")
      return
    }
    if let reason = lackOfRoom(for: footage, from: record.startMs, to: record.endMs) {
      fail(id: id, record: record, reason: reason)
      return
    }
    let sources = footage.compactMap { clip in
      (try? index.absolutePath(of: clip.file)).map {
        RangeExporter.Source(
          path: $0, startMs: clip.startMs, name: clip.file,
          localStart: Self.localText(index.layout.localTime(ofMs: clip.startMs)))
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
      var done = record
      done.state = .done
      done.progress = 1
      done.sizeBytes = outcome.sizeBytes
      switch end(done) {
      case .written: break
      case .gone:
        // Deleted while it was being finished: its file goes too.
        index.removeExportFiles(id: id)
        return
      case .notWritten(let error):
        // The row would stay `running` (failed at the next start); better say so now.
        // The database's error is in the log (it quotes SQL, no use to a user).
        log.error("export \(id) done but not recorded: \(error)")
        fail(
          id: id, record: record,
          reason: "cannot record the end of the export in the index: export again")
        return
      }
      let elapsed = (ContinuousClock.now - started).components
      let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
      log.info(
        "export \(id) done: \(String(format: "%.1f", outcome.durationSeconds)) s of video, \(outcome.sizeBytes) bytes, \(outcome.skippedMs) ms without footage skipped, in \(String(format: "%.1f", seconds)) s"
      )
    } catch RangeExporter.Failure.cancelled {
      if isStopping {
        fail(id: id, record: record, reason: Self.interruptedReason)
      } else {
        index.removeExportFiles(id: id)  // deleted: the row is gone already
        log.info("export \(id) cancelled (deleted)")
      }
    } catch {
      fail(id: id, record: record, reason: "\(error)")
    }
  }

  /// `2026-12-07 15:02:00` from the layout's local day and time of day (`15-02-00`).
  static func localText(_ time: (day: String, timeOfDay: String)) -> String {
    time.day + " " + time.timeOfDay.replacingOccurrences(of: "-", with: ":")
  }

  /// Why the export must not start for lack of disk space, or nil when it fits.
  private func lackOfRoom(for footage: [ClipRecord], from startMs: Int64, to endMs: Int64)
    -> String?
  {
    if room.pressure.isPaused {
      return
        "recording is paused for lack of space (\(room.pressure.reason ?? "under storage.min_free_bytes")): free space or delete old exports, then export again"
    }
    let needed = Self.estimatedBytes(of: footage, from: startMs, to: endMs, nowMs: nowMs())
    let space: DiskSpace
    do {
      space = try room.diskSpace(index.dataDirectory)
    } catch {
      return "cannot measure the free space on the data disk: export again later"
    }
    // As the janitor: a reserve not smaller than the disk is ignored (and reported by it).
    let reserve = room.minFreeBytes < space.totalBytes ? max(0, room.minFreeBytes) : 0
    let available = max(0, space.freeBytes - reserve)
    guard needed > available else { return nil }
    return
      "the export needs about \(ByteText.of(needed)) but only \(ByteText.of(available)) is free above the reserve: free space or delete old exports, then export again"
  }

  /// The output's size, about: the clips' sizes over the range, a clip partly in it in proportion
  /// (a clip being recorded: its size so far over its length so far).
  static func estimatedBytes(
    of footage: [ClipRecord], from startMs: Int64, to endMs: Int64, nowMs: Int64
  )
    -> Int64
  {
    footage.reduce(Int64(0)) { total, clip in
      let clipEnd =
        clip.state == .recording
        ? max(nowMs, clip.startMs) : (clip.endMs ?? clip.startMs + clip.durationMs)
      let length = clipEnd - clip.startMs
      guard length > 0 else { return total + clip.sizeBytes }
      let covered = min(endMs, clipEnd) - max(startMs, clip.startMs)
      guard covered > 0 else { return total }
      return total + Int64(Double(clip.sizeBytes) * Double(min(covered, length)) / Double(length))
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

  private func fail(id: Int64, record: ExportRecord?, reason: String) {
    log.warning("export \(id) failed: \(reason)")
    index.removeExportFiles(id: id)
    guard var failed = record else {
      // Its row could not even be read: at least not left running in the index.
      if let written = try? index.endExport(id: id, state: .failed, error: reason) {
        hub.post(.export(written))
      }
      return
    }
    failed.state = .failed
    failed.error = reason
    failed.sizeBytes = 0
    _ = end(failed)
  }

  enum Ending {
    case written, gone
    case notWritten(any Error)
  }

  /// Writes the final state of an export (done or failed) and publishes it. A write that throws (a
  /// busy or failing database) is tried once more; if that fails too, the final state is published
  /// all the same, so no page shows the export stuck, and the row is failed at the next start.
  private func end(_ ended: ExportRecord) -> Ending {
    var lastError: (any Error)?
    for attempt in 1...2 {
      do {
        guard
          let written = try index.endExport(
            id: ended.id, state: ended.state, error: ended.error, sizeBytes: ended.sizeBytes)
        else { return .gone }
        hub.post(.export(written))
        return .written
      } catch {
        log.error("cannot record the end of export \(ended.id) (attempt \(attempt)): \(error)")
        lastError = error
      }
    }
    if ended.state != .done { hub.post(.export(ended)) }
    return .notWritten(lastError!)
  }
}
