// Keeps the data disk in bounds: each camera's retention_days, the storage.max_bytes quota on
// recordings, and storage.min_free_bytes on the data disk. It deletes the oldest complete,
// non-archived clips first (never an archive, never a clip being recorded: `ClipIndex`'s deletable
// condition, checked again in the deleting transaction), counts bytes from the index, and logs each
// batch. When the disk is short of space and nothing is left to delete, it sets `DiskPressure` so the
// recorders stop opening clips, and clears it when space returns.
//
// Runs on its own thread (SQLite and unlink block), a full pass every `interval`, a free-space check
// every `pressureInterval` (swift-async-algorithms' timer merged with the nudges), and a full pass
// at once on `nudge()` (a clip closed). A `Service`: `vms serve` runs it under its ServiceGroup; on
// graceful shutdown it finishes the pass under way and frees its thread.
import AsyncAlgorithms
import Foundation
import Logging
import ServiceLifecycle
import Storage
import Synchronization
import Timekeeping

public actor StorageJanitor: Service {
  /// What one pass did.
  public struct PassReport: Sendable, Equatable {
    /// Clips deleted because they were older than their camera's retention_days.
    public var expiredClips = 0
    /// Clips deleted to bring recordings under storage.max_bytes.
    public var quotaClips = 0
    /// Clips deleted to keep storage.min_free_bytes free.
    public var freeSpaceClips = 0
    public var freedBytes: Int64 = 0
    /// Motion events deleted because no clip covers them any more.
    public var deletedEvents = 0
    /// Free space after the pass, when measured.
    public var freeBytes: Int64?
    public var recordingsBytes: Int64 = 0
    public var paused = false
    public var errors: [String] = []

    public init() {}

    public var deletedClips: Int { expiredClips + quotaClips + freeSpaceClips }
  }

  nonisolated let executor = ThreadExecutor(name: "janitor")
  public nonisolated var unownedExecutor: UnownedSerialExecutor {
    executor.asUnownedSerialExecutor()
  }

  public nonisolated let pressure: DiskPressure
  private let index: ClipIndex
  private var policy: RetentionPolicy
  private let log: Logger
  private let nowMs: @Sendable () -> Int64
  private let diskSpace: DiskSpaceProbe
  private let interval: Duration
  private let pressureInterval: Duration
  private let onPressureChange: (@Sendable (String?) -> Void)?

  private nonisolated let wake: AsyncStream<Void>.Continuation
  private let wakes: AsyncStream<Void>
  private nonisolated let nudged = Atomic<Bool>(false)
  private var lastPassMs: Int64?
  /// The problems of the last pass: one that persists is logged once as an error, when it appears,
  /// not at every pass (every 10 s while the disk is short of space).
  private var standingErrors: Set<String> = []
  private let metrics = StorageMetrics()

  /// Rows selected per query and deleted per transaction: bounded memory and short write locks, so a
  /// first pass over years of footage never stalls the recorders' inserts.
  static let batchSize = 500

  /// - Parameters:
  ///   - nowMs: the wall clock in epoch milliseconds (tests move it).
  ///   - diskSpace: measures the data disk (tests inject a fake one).
  ///   - onPressureChange: called with the status text when recording pauses, nil when it resumes.
  public init(
    index: ClipIndex, policy: RetentionPolicy, pressure: DiskPressure = DiskPressure(), log: Logger,
    nowMs: @escaping @Sendable () -> Int64 = {
      WallTime.now().sinceEpochMs
    },
    diskSpace: @escaping DiskSpaceProbe = { try DiskSpace.of(path: $0) },
    interval: Duration = .seconds(300), pressureInterval: Duration = .seconds(10),
    onPressureChange: (@Sendable (String?) -> Void)? = nil
  ) {
    self.index = index
    self.policy = policy
    self.pressure = pressure
    var log = log
    log[metadataKey: "component"] = "janitor"
    self.log = log
    self.nowMs = nowMs
    self.diskSpace = diskSpace
    self.interval = interval
    self.pressureInterval = pressureInterval
    self.onPressureChange = onPressureChange
    (wakes, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
  }

  /// Asks for a pass as soon as possible (a clip closed, the configuration changed). Never waits.
  public nonisolated func nudge() {
    nudged.store(true, ordering: .relaxed)
    wake.yield()
  }

  /// A new configuration (hot reload); applied by a pass at once.
  public func update(policy: RetentionPolicy) {
    guard policy != self.policy else { return }
    self.policy = policy
    nudge()
  }

  /// Runs a pass, then checks at every tick and nudge until graceful shutdown or cancellation;
  /// then frees its thread. Run it once.
  public func run() async {
    defer { executor.shutdown() }
    runPass()
    let ticks = AsyncTimerSequence(interval: pressureInterval, clock: .continuous).map { _ in () }
    for await _ in merge(wakes, ticks).cancelOnGracefulShutdown() {
      if Task.isCancelled { break }
      if nudged.exchange(false, ordering: .relaxed) || isPassDue() || isShortOfSpace() {
        runPass()
      }
    }
  }

  private func isPassDue() -> Bool {
    guard let lastPassMs else { return true }
    let intervalMs =
      interval.components.seconds * 1000 + interval.components.attoseconds / 1_000_000_000_000_000
    return nowMs() - lastPassMs >= intervalMs
  }

  /// The cheap check between passes: one statvfs.
  private func isShortOfSpace() -> Bool {
    if pressure.isPaused { return true }
    guard policy.minFreeBytes > 0, let space = try? diskSpace(index.dataDirectory) else {
      return false
    }
    // A minimum the disk cannot meet is ignored by the pass (and said once): no pass every tick.
    return space.freeBytes < policy.minFreeBytes && policy.minFreeBytes < space.totalBytes
  }

  // MARK: One pass

  /// Applies every rule once: retention days per camera, then the quota, then free space; sets or
  /// clears the disk pressure. Blocking (SQLite, unlink): it runs on the janitor's own thread.
  @discardableResult
  public func runPass() -> PassReport {
    var report = PassReport()
    lastPassMs = nowMs()
    enforceRetentionDays(&report)
    enforceQuota(&report)
    enforceFreeSpace(&report)
    // The room held for the index, released when a write found the disk full, is made again
    // once the disk has room (it needs four times its size free).
    if !pressure.isPaused { index.reserve.ensure() }
    let recordingsBytes = try? index.recordingsBytes()
    report.recordingsBytes = recordingsBytes ?? 0
    // The free-space rule measured the disk only when it is set; the gauge wants it every pass.
    metrics.measured(
      recordings: recordingsBytes,
      free: report.freeBytes ?? (try? diskSpace(index.dataDirectory))?.freeBytes)
    report.paused = pressure.isPaused
    let errors = Set(report.errors)
    for gone in standingErrors.subtracting(errors) { log.notice("no longer the case: \(gone)") }
    standingErrors = errors
    if report.deletedClips > 0 {
      log.info(
        "pass: \(report.deletedClips) clip(s) deleted, \(ByteText.of(report.freedBytes)) freed; recordings now use \(ByteText.of(report.recordingsBytes))"
      )
    }
    return report
  }

  private func enforceRetentionDays(_ report: inout PassReport) {
    let cameraIds: [String]
    do {
      cameraIds = try index.cameraIds()
    } catch {
      fail("retention: cannot list cameras: \(error)", &report)
      return
    }
    for cameraId in cameraIds {
      let days = policy.retention(cameraId: cameraId)
      // Continuous footage around no event goes first, then the rest of each kind.
      expire(
        cameraId, days: days.continuousDays, kind: .segment, outsideEvents: true,
        what: "continuous footage outside events", &report)
      expire(
        cameraId, days: days.segmentsWithEventsDays, kind: .segment, outsideEvents: false,
        what: "continuous footage of events", &report)
      expire(
        cameraId, days: days.eventsDays, kind: .event, outsideEvents: false,
        what: "event clips", &report)
    }
  }

  /// Deletes a camera's clips of `kind` older than `days` (0 keeps them forever).
  private func expire(
    _ cameraId: String, days: Int, kind: ClipKind, outsideEvents: Bool, what: String,
    _ report: inout PassReport
  ) {
    guard days > 0 else { return }
    let cutoffMs = nowMs() - Int64(days) * 86_400_000
    while true {
      let batch: [ClipRecord]
      do {
        batch = try index.expiredClips(
          cameraId: cameraId, endedBeforeMs: cutoffMs, kind: kind, outsideEvents: outsideEvents,
          limit: Self.batchSize)
      } catch {
        fail("retention: cannot query camera \(cameraId): \(error)", &report)
        break
      }
      guard !batch.isEmpty else { break }
      let deleted = delete(
        batch, because: "\(what) older than \(days) day(s) (camera \(cameraId))", &report)
      report.expiredClips += deleted.count
      // Fewer than selected: the rest became undeletable meanwhile; stop rather than spin.
      if deleted.count < batch.count || batch.count < Self.batchSize { break }
    }
  }

  private func enforceQuota(_ report: inout PassReport) {
    guard policy.maxBytes > 0 else { return }
    var totalBytes: Int64
    do {
      totalBytes = try index.recordingsBytes()
    } catch {
      fail("quota: cannot sum recordings: \(error)", &report)
      return
    }
    while totalBytes > policy.maxBytes {
      let excessBytes = totalBytes - policy.maxBytes
      guard let batch = oldestCovering(excessBytes, &report) else { break }
      if batch.isEmpty {
        log.warning(
          "quota: recordings use \(ByteText.of(totalBytes)), over storage.max_bytes \(ByteText.of(policy.maxBytes)), but only clips being recorded are left to delete"
        )
        break
      }
      let deleted = delete(
        batch, because: "recordings over storage.max_bytes \(ByteText.of(policy.maxBytes))", &report
      )
      report.quotaClips += deleted.count
      guard !deleted.isEmpty else { break }
      totalBytes -= deleted.reduce(0) { $0 + $1.sizeBytes }
    }
  }

  private func enforceFreeSpace(_ report: inout PassReport) {
    guard policy.minFreeBytes > 0 else {
      setPressure(nil)
      return
    }
    var space: DiskSpace
    do {
      space = try diskSpace(index.dataDirectory)
    } catch {
      fail("free space: \(error)", &report)
      return
    }
    if policy.minFreeBytes >= space.totalBytes {
      // Enforcing it would delete every recording and then stop recording for good.
      fail(
        "free space: storage.min_free_bytes (\(ByteText.of(policy.minFreeBytes))) is not smaller than the data disk (\(ByteText.of(space.totalBytes))): the rule is ignored; lower storage.min_free_bytes",
        &report)
      setPressure(nil)
      return
    }
    while space.freeBytes < policy.minFreeBytes {
      guard let batch = oldestCovering(policy.minFreeBytes - space.freeBytes, &report),
        !batch.isEmpty
      else { break }
      let deleted = delete(
        batch,
        because:
          "\(ByteText.of(space.freeBytes)) free on the data disk, under storage.min_free_bytes \(ByteText.of(policy.minFreeBytes))",
        &report)
      report.freeSpaceClips += deleted.count
      guard !deleted.isEmpty else { break }
      // The index's bytes are what was freed; a file still open by a reader (a browser playing it)
      // frees its blocks later, so the measurement may lag: take the larger, the next check corrects.
      let estimate = space.freeBytes + deleted.reduce(0) { $0 + $1.sizeBytes }
      let measured = (try? diskSpace(index.dataDirectory)) ?? space
      space.freeBytes = max(estimate, measured.freeBytes)
    }
    report.freeBytes = space.freeBytes
    if space.freeBytes < policy.minFreeBytes {
      setPressure(
        "disk full: \(ByteText.of(space.freeBytes)) free on the data disk, storage.min_free_bytes is \(ByteText.of(policy.minFreeBytes)); nothing left to delete (archives are kept): free space or delete archives"
      )
    } else {
      setPressure(nil)
    }
  }

  /// The oldest deletable clips whose bytes add up to at least `bytes` (fewer when there are not
  /// enough), across cameras: continuous segments that overlap no event first, then any. Nil on a
  /// query error.
  private func oldestCovering(_ bytes: Int64, _ report: inout PassReport) -> [ClipRecord]? {
    var candidates: [ClipRecord]
    do {
      candidates = try index.oldestSegmentsOutsideEvents(limit: Self.batchSize)
      if candidates.isEmpty { candidates = try index.oldestDeletableClips(limit: Self.batchSize) }
    } catch {
      fail("cannot query the oldest clips: \(error)", &report)
      return nil
    }
    var chosen: [ClipRecord] = []
    var sum: Int64 = 0
    for clip in candidates where sum < bytes {
      chosen.append(clip)
      sum += clip.sizeBytes
    }
    return chosen
  }

  private func delete(_ batch: [ClipRecord], because reason: String, _ report: inout PassReport)
    -> [ClipRecord]
  {
    let deletion: ClipDeletion
    do {
      // Checked again in the deleting transaction: a clip archived since the selection is kept.
      deletion = try index.deleteClips(ids: batch.map(\.id), .unarchived)
    } catch {
      fail("cannot delete \(batch.count) clip(s): \(error)", &report)
      return []
    }
    for problem in deletion.fileErrors {
      fail("deleted from the index but the file remains: \(problem)", &report)
    }
    report.freedBytes += deletion.freedBytes
    report.deletedEvents += deletion.events.count
    metrics.deleted(clips: deletion.clips.count, bytes: deletion.freedBytes)
    if let first = deletion.clips.first, let last = deletion.clips.last {
      log.notice(
        "deleted \(deletion.clips.count) clip(s), \(ByteText.of(deletion.freedBytes)), from \(first.file) to \(last.file)\(deletion.events.isEmpty ? "" : " and \(deletion.events.count) motion event(s) no footage covers any more"): \(reason)"
      )
    }
    return deletion.clips
  }

  private func setPressure(_ reason: String?) {
    guard pressure.set(paused: reason != nil, reason: reason) else { return }
    if let reason {
      log.error("recording paused: \(reason)")
    } else {
      log.notice("recording resumed: free space is back above storage.min_free_bytes")
    }
    onPressureChange?(reason)
  }

  private func fail(_ message: String, _ report: inout PassReport) {
    if standingErrors.contains(message) {
      log.debug("still: \(message)")
    } else {
      log.error("\(message)")
    }
    report.errors.append(message)
  }
}
