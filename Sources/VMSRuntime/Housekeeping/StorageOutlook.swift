// What the UI shows about storage per camera: usage (from the index), the clip retention would
// delete next, and how many days of footage the disk will hold at the recent bitrate.
import Foundation
import Storage

public struct StorageOutlook: Sendable, Equatable {
  public struct CameraOutlook: Sendable, Equatable {
    public var cameraId: String
    public var usage: ClipUsage
    /// The clip the janitor deletes next for this camera (complete, not archived), if any.
    public var oldestDeletable: ClipRecord?
    /// Bytes recorded over the last 24 h.
    public var bytesPerDay: Int64
    /// The camera's retention_days (0 = forever).
    public var retentionDays: Int
    /// Days of footage this camera will keep: its retention_days, or fewer when the quota or the free
    /// space runs out first at the recent bitrate of all cameras. Nil: unbounded (forever, nothing
    /// recorded lately and no limit).
    public var horizonDays: Double?
  }

  public var cameras: [CameraOutlook]
  public var recordingsBytes: Int64
  /// Free space on the data disk, when it could be measured.
  public var freeBytes: Int64?
  /// The most recordings may grow to under storage.max_bytes and storage.min_free_bytes; nil: no limit.
  public var budgetBytes: Int64?
  /// All cameras together, last 24 h.
  public var bytesPerDay: Int64
  /// Days the budget holds at `bytesPerDay` (the quota and free-space rules delete oldest first across
  /// cameras, so every camera shares it); nil when unbounded.
  public var budgetHorizonDays: Double?

  /// Reads the index (two grouped queries, then the oldest deletable clip per camera) and measures
  /// the disk once. Blocking: for the engine's threads and tools.
  public static func compute(
    index: ClipIndex, policy: RetentionPolicy, nowMs: Int64,
    diskSpace: DiskSpaceProbe = { try DiskSpace.of(path: $0) }
  ) throws -> StorageOutlook {
    let usage = try index.usageByCamera()
    let recent = try index.recordedBytesByCamera(startedSinceMs: nowMs - 86_400_000)
    let freeBytes = try? diskSpace(index.dataDirectory).freeBytes
    let ids = cameraIds(usage: usage, policy: policy)
    var oldest: [String: ClipRecord] = [:]
    for id in ids { oldest[id] = try index.oldestDeletableClip(cameraId: id) }
    return assemble(
      usage: usage, recent: recent, freeBytes: freeBytes, oldest: oldest, policy: policy)
  }

  /// `compute` for callers on the cooperative pool: the queries through GRDB's async access, the
  /// disk's statvfs on the index's `files` threads.
  public static func compute(
    index: AsyncClipIndex, policy: RetentionPolicy, nowMs: Int64,
    diskSpace: @escaping DiskSpaceProbe = { try DiskSpace.of(path: $0) }
  ) async throws -> StorageOutlook {
    let usage = try await index.usageByCamera()
    let recent = try await index.recordedBytesByCamera(startedSinceMs: nowMs - 86_400_000)
    let directory = index.index.dataDirectory
    let freeBytes = try? await index.files.run { try diskSpace(directory).freeBytes }
    let ids = cameraIds(usage: usage, policy: policy)
    var oldest: [String: ClipRecord] = [:]
    for id in ids { oldest[id] = try await index.oldestDeletableClip(cameraId: id) }
    return assemble(
      usage: usage, recent: recent, freeBytes: freeBytes, oldest: oldest, policy: policy)
  }

  /// The cameras an outlook covers: those with clips and those the policy names.
  private static func cameraIds(usage: [String: ClipUsage], policy: RetentionPolicy) -> [String] {
    Set(usage.keys).union(policy.retentionDaysByCamera.keys).sorted()
  }

  private static func assemble(
    usage: [String: ClipUsage], recent: [String: Int64], freeBytes: Int64?,
    oldest: [String: ClipRecord], policy: RetentionPolicy
  ) -> StorageOutlook {
    let recordingsBytes = usage.values.reduce(0) { $0 + $1.recordingsBytes }
    let budgetBytes = budget(policy: policy, recordingsBytes: recordingsBytes, freeBytes: freeBytes)
    let bytesPerDay = recent.values.reduce(0, +)
    let budgetHorizon = horizonDays(budgetBytes: budgetBytes, bytesPerDay: bytesPerDay)
    let cameras = cameraIds(usage: usage, policy: policy).map { id in
      let days = policy.retentionDays(cameraId: id)
      let byDays: Double? = days > 0 ? Double(days) : nil
      let horizon: Double? =
        switch (byDays, budgetHorizon) {
        case (nil, nil): nil
        case (let a?, nil): a
        case (nil, let b?): b
        case (let a?, let b?): min(a, b)
        }
      return CameraOutlook(
        cameraId: id, usage: usage[id] ?? ClipUsage(), oldestDeletable: oldest[id],
        bytesPerDay: recent[id] ?? 0, retentionDays: days, horizonDays: horizon)
    }
    return StorageOutlook(
      cameras: cameras, recordingsBytes: recordingsBytes, freeBytes: freeBytes,
      budgetBytes: budgetBytes, bytesPerDay: bytesPerDay, budgetHorizonDays: budgetHorizon)
  }

  /// The most recordings may use: the quota, and what they use now plus the free space above the
  /// minimum; the smaller of the two. Nil when neither rule applies.
  public static func budget(policy: RetentionPolicy, recordingsBytes: Int64, freeBytes: Int64?)
    -> Int64?
  {
    var limits: [Int64] = []
    if policy.maxBytes > 0 { limits.append(policy.maxBytes) }
    if policy.minFreeBytes > 0, let freeBytes {
      limits.append(max(0, recordingsBytes + freeBytes - policy.minFreeBytes))
    }
    return limits.min()
  }

  /// Days `budgetBytes` holds at `bytesPerDay`; nil when unbounded (no budget, or nothing recorded).
  public static func horizonDays(budgetBytes: Int64?, bytesPerDay: Int64) -> Double? {
    guard let budgetBytes, bytesPerDay > 0 else { return nil }
    return Double(budgetBytes) / Double(bytesPerDay)
  }
}
