import Foundation
import GRDB
import XCTest

@testable import Storage

/// Tests inject a fixed zone (Europe/Paris, which has DST) instead of relying on `TZ` or the machine's
/// zone: `ClipIndex.open(dataDirectory:timeZone:)` takes it, so the expected local days below hold anywhere.
let paris = TimeZone(identifier: "Europe/Paris")!

/// Instants computed independently (Python zoneinfo), so the tests do not reuse the code they check.
enum Instant {
  /// 2026-11-25 21:03:04 in Paris (UTC+1).
  static let nov25At210304Ms: Int64 = 1_795_636_984_000
  /// 2026-11-25 23:30:00 in Paris (22:30 UTC).
  static let nov25At2330Ms: Int64 = 1_795_645_800_000
  /// 2026-11-26 00:30:00 in Paris (23:30 UTC on the 25th).
  static let nov26At0030Ms: Int64 = 1_795_649_400_000
  /// 2026-03-29 00:00 and 2026-03-30 00:00 in Paris: a 23-hour day (spring forward).
  static let mar29StartMs: Int64 = 1_774_738_800_000
  static let mar30StartMs: Int64 = 1_774_821_600_000
  /// 2026-03-29 23:30 in Paris (UTC+2).
  static let mar29At2330Ms: Int64 = 1_774_819_800_000
  /// 2026-10-25 02:30 in Paris happens twice (fall back): at UTC+2, then an hour later at UTC+1.
  static let oct25At0230FirstMs: Int64 = 1_792_888_200_000
  static let oct25At0230SecondMs: Int64 = 1_792_891_800_000
}

/// A fresh data directory per test, removed afterwards.
final class TemporaryDirectory {
  let path: String

  init() throws {
    path = NSTemporaryDirectory() + "vms-storage-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  deinit {
    try? FileManager.default.removeItem(atPath: path)
  }

  var dataPath: String { path + "/data" }

  func exists(_ relative: String) -> Bool {
    FileManager.default.fileExists(atPath: dataPath + "/" + relative)
  }

  func write(_ bytes: Int, to relative: String) throws {
    try Data(repeating: 0x42, count: bytes).write(
      to: URL(fileURLWithPath: dataPath + "/" + relative))
  }

  /// A second, independent connection to the database file, like the integration tests use.
  func rawDatabase() throws -> DatabaseQueue {
    var configuration = Configuration()
    configuration.busyMode = .timeout(5)
    return try DatabaseQueue(path: dataPath + "/vms.sqlite", configuration: configuration)
  }
}

/// The set-up every index test starts from: a fresh data directory and an index open on it, closed
/// and removed after each test. Tests may close `index` and open another in its place.
class ClipIndexTestCase: XCTestCase {
  var directory: TemporaryDirectory!
  var index: ClipIndex!

  override func setUpWithError() throws {
    directory = try TemporaryDirectory()
    index = try ClipIndex.open(dataDirectory: directory.dataPath, timeZone: paris)
  }

  override func tearDownWithError() throws {
    try index?.close()
    index = nil
    directory = nil
  }

  /// A complete clip with a real video of `sizeBytes` and a thumbnail, as the recorder leaves one.
  @discardableResult
  func clip(
    _ cameraId: String = "front", startMs: Int64, durationMs: Int64 = 10_000,
    sizeBytes: Int = 1_000
  ) throws -> ClipRecord {
    let record = try index.beginClip(cameraId: cameraId, startMs: startMs)
    try directory.write(sizeBytes, to: record.file)
    try directory.write(10, to: record.thumbnail!)
    try index.finishClip(
      id: record.id, endMs: startMs + durationMs, durationMs: durationMs,
      sizeBytes: Int64(sizeBytes), hasThumbnail: true)
    return try XCTUnwrap(try index.clip(id: record.id))
  }

  /// Sets the archived flag without moving the files, for tests of the queries that honour it.
  func markArchived(_ id: Int64) throws {
    try directory.rawDatabase().write { db in
      try db.execute(sql: "UPDATE clip SET archived = 1 WHERE id = ?", arguments: [id])
    }
  }
}

func assertThrowsStorageError<T>(
  _ expression: @autoclosure () throws -> T, _ expected: StorageError,
  file: StaticString = #filePath, line: UInt = #line
) {
  XCTAssertThrowsError(try expression(), file: file, line: line) { error in
    XCTAssertEqual(error as? StorageError, expected, "\(error)", file: file, line: line)
  }
}
