// The index remembers each camera's last display name, so footage of a camera removed from the
// configuration is still shown under its name, also after a restart.
import XCTest

@testable import Storage

final class CameraNameTests: XCTestCase {
  func testNamesAreRememberedRenamedAndKeptAcrossReopening() throws {
    let directory = try TemporaryDirectory()
    let index = try ClipIndex.open(dataDirectory: directory.dataPath, timeZone: paris)
    XCTAssertEqual(try index.cameraNames(), [:])
    try index.rememberCameraNames(["front": "Front door", "back": "Back"])
    try index.rememberCameraNames(["front": "Porch"])  // renamed; back is no longer configured
    XCTAssertEqual(try index.cameraNames(), ["front": "Porch", "back": "Back"])
    try index.close()

    let reopened = try ClipIndex.open(dataDirectory: directory.dataPath, timeZone: paris)
    XCTAssertEqual(try reopened.cameraNames(), ["front": "Porch", "back": "Back"])
  }

  func testAnIndexFromBeforeNamesGainsTheTableAndKeepsItsClips() throws {
    let directory = try TemporaryDirectory()
    let index = try ClipIndex.open(dataDirectory: directory.dataPath, timeZone: paris)
    _ = try index.beginClip(cameraId: "front", startMs: Instant.nov25At210304Ms)
    try index.close()
    // As a database written by a version without the table.
    try directory.rawDatabase().write { db in
      try db.execute(sql: "DROP TABLE camera_name")
      try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v3-camera-names'")
    }
    let upgraded = try ClipIndex.open(dataDirectory: directory.dataPath, timeZone: paris)
    XCTAssertEqual(try upgraded.cameraNames(), [:])
    XCTAssertEqual(try upgraded.cameraIds(), ["front"])
    try upgraded.rememberCameraNames(["front": "Front door"])
    XCTAssertEqual(try upgraded.cameraNames(), ["front": "Front door"])
  }
}
