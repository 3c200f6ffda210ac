import Foundation
import Logging
import Storage
import Synchronization
import XCTest

@testable import VMSRuntime

/// A fresh data directory and index per test, removed afterwards; clips with real files, back-dated.
final class StorageFixture: Sendable {
  let path: String
  let index: ClipIndex
  static let utc = TimeZone(identifier: "UTC")!
  /// 2026-11-25 12:00:00 UTC: the tests' "now".
  static let nowMs: Int64 = 1_795_608_000_000
  static let dayMs: Int64 = 86_400_000

  init() throws {
    path = NSTemporaryDirectory() + "vms-runtime-storage-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    index = try ClipIndex.open(dataDirectory: path + "/data", timeZone: Self.utc)
  }

  deinit {
    try? index.close()
    try? FileManager.default.removeItem(atPath: path)
  }

  var dataPath: String { path + "/data" }

  func exists(_ relative: String) -> Bool {
    FileManager.default.fileExists(atPath: dataPath + "/" + relative)
  }

  func write(_ bytes: Int, to relative: String) throws {
    let absolute = dataPath + "/" + relative
    try FileManager.default.createDirectory(
      atPath: (absolute as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try Data(repeating: 0x42, count: bytes).write(to: URL(fileURLWithPath: absolute))
  }

  /// A complete clip of `sizeBytes` (a real file and a thumbnail) that ended `ageMs` before "now".
  @discardableResult
  func clip(
    _ cameraId: String, endedAgoMs ageMs: Int64, durationMs: Int64 = 60_000, sizeBytes: Int = 1_000
  ) throws -> ClipRecord {
    let startMs = Self.nowMs - ageMs - durationMs
    let record = try index.beginClip(cameraId: cameraId, startMs: startMs)
    try write(sizeBytes, to: record.file)
    try write(10, to: record.thumbnail!)
    try index.finishClip(
      id: record.id, endMs: startMs + durationMs, durationMs: durationMs,
      sizeBytes: Int64(sizeBytes), hasThumbnail: true)
    return try XCTUnwrap(try index.clip(id: record.id))
  }

  /// Archives through the index's own crash-safe move.
  @discardableResult
  func archive(_ clip: ClipRecord) throws -> ClipRecord {
    try index.archiveClip(id: clip.id)
  }

  func ids() throws -> Set<Int64> {
    var ids = Set<Int64>()
    for camera in try index.cameraIds() {
      for day in try index.days(cameraId: camera) {
        for clip in try index.clips(cameraId: camera, day: day) { ids.insert(clip.id) }
      }
    }
    return ids
  }
}

/// A data disk whose free space is what the test says, minus what recordings use in the index:
/// deleting clips frees space, as on a real disk.
final class FakeDisk: Sendable {
  private let state: Mutex<(totalBytes: Int64, otherBytes: Int64)>
  private let index: ClipIndex

  init(index: ClipIndex, totalBytes: Int64, otherBytes: Int64) {
    self.index = index
    state = Mutex((totalBytes, otherBytes))
  }

  /// Other files on the disk (the test "frees space" by lowering it).
  func setOtherBytes(_ bytes: Int64) { state.withLock { $0.otherBytes = bytes } }

  var probe: DiskSpaceProbe {
    { [self] _ in
      let (total, other) = state.withLock { ($0.totalBytes, $0.otherBytes) }
      let used =
        try index.recordingsBytes()
        + index.usageByCamera().values.reduce(0) { $0 + $1.archivesBytes }
      return DiskSpace(freeBytes: max(0, total - other - used), totalBytes: total)
    }
  }
}

let testLog: Logger = {
  var log = Logger(label: "vms.tests")
  log.logLevel = .critical
  return log
}()
