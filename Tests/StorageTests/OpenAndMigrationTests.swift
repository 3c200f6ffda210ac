import Foundation
import GRDB
import XCTest

@testable import Storage

final class OpenAndMigrationTests: XCTestCase {
  func testOpenCreatesDirectoriesAndDatabase() throws {
    let directory = try TemporaryDirectory()
    let index = try ClipIndex.open(dataDirectory: directory.dataPath, timeZone: paris)
    XCTAssertTrue(directory.exists("recordings"))
    XCTAssertTrue(directory.exists("archives"))
    XCTAssertTrue(directory.exists("vms.sqlite"))
    XCTAssertEqual(index.databasePath, directory.dataPath + "/vms.sqlite")
  }

  func testMigrationCreatesTheContractSchema() throws {
    let directory = try TemporaryDirectory()
    _ = try ClipIndex.open(dataDirectory: directory.dataPath, timeZone: paris)
    let database = try directory.rawDatabase()
    try database.read { db in
      let columns = try Row.fetchAll(db, sql: "PRAGMA table_info(clip)").map { row in
        [
          row["name"] as String, row["type"] as String, String(row["notnull"] as Int),
          (row["dflt_value"] as String?) ?? "-", String(row["pk"] as Int),
        ]
      }
      XCTAssertEqual(
        columns,
        [
          ["id", "INTEGER", "0", "-", "1"],
          ["camera_id", "TEXT", "1", "-", "0"],
          ["start_ms", "INTEGER", "1", "-", "0"],
          ["end_ms", "INTEGER", "0", "-", "0"],
          ["duration_ms", "INTEGER", "1", "0", "0"],
          ["size_bytes", "INTEGER", "1", "0", "0"],
          ["file", "TEXT", "1", "-", "0"],
          ["thumbnail", "TEXT", "0", "-", "0"],
          ["state", "TEXT", "1", "-", "0"],
          ["archived", "INTEGER", "1", "0", "0"],
          ["comment", "TEXT", "1", "''", "0"],
          ["kind", "TEXT", "1", "'event'", "0"],
        ])
      // v4-events: motion events as ranges.
      let eventColumns = try Row.fetchAll(db, sql: "PRAGMA table_info(event)").map { row in
        [row["name"] as String, row["type"] as String, String(row["notnull"] as Int)]
      }
      XCTAssertEqual(
        eventColumns,
        [
          ["id", "INTEGER", "0"], ["camera_id", "TEXT", "1"], ["start_ms", "INTEGER", "1"],
          ["end_ms", "INTEGER", "0"], ["peak_score", "REAL", "1"], ["peak_ms", "INTEGER", "1"],
          ["thumbnail", "TEXT", "0"], ["label", "TEXT", "0"], ["clip_id", "INTEGER", "0"],
          ["reviewed", "INTEGER", "1"],
        ])

      let tableSQL = try String.fetchOne(
        db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'clip'")
      XCTAssertTrue(tableSQL?.contains("AUTOINCREMENT") == true)

      var indexedColumns: [[String]] = []
      for index in try Row.fetchAll(db, sql: "PRAGMA index_list(clip)") {
        let name: String = index["name"]
        let unique: Bool = index["unique"]
        let columns = try String.fetchAll(
          db, sql: "SELECT name FROM pragma_index_info(?)", arguments: [name])
        indexedColumns.append((unique ? ["unique"] : []) + columns)
      }
      XCTAssertTrue(indexedColumns.contains(["camera_id", "start_ms"]), "\(indexedColumns)")
      XCTAssertTrue(indexedColumns.contains(["state"]), "\(indexedColumns)")
      XCTAssertTrue(indexedColumns.contains(["unique", "file"]), "\(indexedColumns)")

      // Every registered step ran, in order (later issues add steps: v2-retention-index...).
      let applied = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
      XCTAssertEqual(applied.first, "v1-clips")
      XCTAssertEqual(applied, StorageMigrations.identifiers)
      XCTAssertEqual(try String.fetchOne(db, sql: "PRAGMA journal_mode"), "wal")
    }
  }

  func testReopeningKeepsDataAndDoesNotMigrateAgain() throws {
    let directory = try TemporaryDirectory()
    let first = try ClipIndex.open(dataDirectory: directory.dataPath, timeZone: paris)
    let clip = try first.beginClip(cameraId: "front-door", startMs: Instant.nov25At210304Ms)
    try first.finishClip(
      id: clip.id, endMs: clip.startMs + 15_000, durationMs: 15_000, sizeBytes: 1234,
      hasThumbnail: true)
    try first.close()

    let second = try ClipIndex.open(dataDirectory: directory.dataPath, timeZone: paris)
    let reloaded = try XCTUnwrap(try second.clip(id: clip.id))
    XCTAssertEqual(reloaded.state, .complete)
    XCTAssertEqual(reloaded.sizeBytes, 1234)
    XCTAssertEqual(try second.cameraIds(), ["front-door"])

    try directory.rawDatabase().read { db in
      XCTAssertEqual(
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM grdb_migrations"),
        StorageMigrations.identifiers.count)
      XCTAssertEqual(try String.fetchOne(db, sql: "PRAGMA journal_mode"), "wal")
    }
    // A third open while the second is still open (another process, a restart racing the old one).
    let third = try ClipIndex.open(dataDirectory: directory.dataPath, timeZone: paris)
    XCTAssertEqual(try third.clip(id: clip.id), reloaded)
  }

  func testCorruptDatabaseGivesAClearError() throws {
    let directory = try TemporaryDirectory()
    try FileManager.default.createDirectory(
      atPath: directory.dataPath, withIntermediateDirectories: true)
    let garbage = Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
    try garbage.write(to: URL(fileURLWithPath: directory.dataPath + "/vms.sqlite"))

    XCTAssertThrowsError(try ClipIndex.open(dataDirectory: directory.dataPath, timeZone: paris)) {
      error in
      guard case .databaseCorrupt(let path, _)? = error as? StorageError else {
        return XCTFail("expected databaseCorrupt, got \(error)")
      }
      XCTAssertEqual(path, directory.dataPath + "/vms.sqlite")
      XCTAssertTrue("\(error)".contains("move the file aside"), "\(error)")
    }
  }

  func testDataDirectoryThatIsAFileIsRefused() throws {
    let directory = try TemporaryDirectory()
    try Data("not a directory".utf8).write(to: URL(fileURLWithPath: directory.dataPath))
    XCTAssertThrowsError(try ClipIndex.open(dataDirectory: directory.dataPath, timeZone: paris)) {
      error in
      guard case .dataDirectoryUnusable(let path, _)? = error as? StorageError else {
        return XCTFail("expected dataDirectoryUnusable, got \(error)")
      }
      XCTAssertEqual(path, directory.dataPath)
      XCTAssertTrue("\(error)".contains("server.data_dir"), "\(error)")
    }
  }

  func testRecordingsThatIsAFileIsRefused() throws {
    let directory = try TemporaryDirectory()
    try FileManager.default.createDirectory(
      atPath: directory.dataPath, withIntermediateDirectories: true)
    try Data().write(to: URL(fileURLWithPath: directory.dataPath + "/recordings"))
    XCTAssertThrowsError(try ClipIndex.open(dataDirectory: directory.dataPath, timeZone: paris)) {
      error in
      guard case .dataDirectoryUnusable? = error as? StorageError else {
        return XCTFail("expected dataDirectoryUnusable, got \(error)")
      }
    }
  }

  func testDatabaseFromANewerVersionIsRefused() throws {
    let directory = try TemporaryDirectory()
    try ClipIndex.open(dataDirectory: directory.dataPath, timeZone: paris).close()
    try directory.rawDatabase().write { db in
      try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-future')")
    }
    assertThrowsStorageError(
      try ClipIndex.open(dataDirectory: directory.dataPath, timeZone: paris),
      .databaseTooNew(path: directory.dataPath + "/vms.sqlite", unknownMigrations: ["v99-future"]))
  }

  func testRelativeDataDirectoryIsMadeAbsolute() throws {
    let layout = DataLayout(rootPath: "./data/", timeZone: paris)
    XCTAssertEqual(layout.rootPath, FileManager.default.currentDirectoryPath + "/data")
    XCTAssertEqual(DataLayout(rootPath: "/srv/vms/../vms/data").rootPath, "/srv/vms/data")
  }
}
