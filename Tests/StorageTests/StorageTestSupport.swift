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

func assertThrowsStorageError<T>(
  _ expression: @autoclosure () throws -> T, _ expected: StorageError,
  file: StaticString = #filePath, line: UInt = #line
) {
  XCTAssertThrowsError(try expression(), file: file, line: line) { error in
    XCTAssertEqual(error as? StorageError, expected, "\(error)", file: file, line: line)
  }
}
