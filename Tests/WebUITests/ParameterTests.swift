import Storage
import XCTest

@testable import WebUI

final class ParameterTests: XCTestCase {
  let layout = DataLayout(
    rootPath: "/tmp/vms-none", timeZone: TimeZone(identifier: "Europe/Paris")!)

  func testCameraIds() throws {
    XCTAssertEqual(try RequestParameters.cameraId("front-door_2"), "front-door_2")
    for bad in [
      "", "..", ".", "a/b", "%2e%2e", "Front", "a\0b", "a b", String(repeating: "a", count: 65),
      "é",
    ] {
      XCTAssertThrowsError(try RequestParameters.cameraId(bad), "accepted \(bad.debugDescription)")
    }
    XCTAssertThrowsError(try RequestParameters.cameraId(nil))
  }

  func testClipIds() throws {
    XCTAssertEqual(try RequestParameters.clipId("12"), 12)
    for bad in [
      "0", "-1", "+1", "01", "1.0", "1e3", "..", "%2e", "1/2", "99999999999999999999", "", " 1",
    ] {
      XCTAssertThrowsError(try RequestParameters.clipId(bad), "accepted \(bad.debugDescription)")
    }
  }

  func testDays() throws {
    XCTAssertEqual(try RequestParameters.day("2026-11-25", layout: layout), "2026-11-25")
    for bad in [
      "2026-02-30", "2026-13-01", "26-11-25", "2026/11/25", "../../etc", "2026-11-25\0",
      "2026-1-25", "",
    ] {
      XCTAssertThrowsError(
        try RequestParameters.day(bad, layout: layout), "accepted \(bad.debugDescription)")
    }
    XCTAssertThrowsError(try RequestParameters.day(nil, layout: layout))
  }

  func testHours() throws {
    XCTAssertEqual(try RequestParameters.hour("00"), 0)
    XCTAssertEqual(try RequestParameters.hour("23"), 23)
    for bad in ["24", "7", "007", "-1", "ab", "", "1\0"] {
      XCTAssertThrowsError(try RequestParameters.hour(bad), "accepted \(bad.debugDescription)")
    }
  }

  func testArchivedFlag() throws {
    XCTAssertNil(try RequestParameters.archived(nil))
    XCTAssertEqual(try RequestParameters.archived("true"), true)
    XCTAssertEqual(try RequestParameters.archived("false"), false)
    XCTAssertThrowsError(try RequestParameters.archived("yes"))
  }

  func testVersionComparison() {
    XCTAssertLessThan(VersionNumber("0.9.0")!, VersionNumber("0.10.0")!)
    XCTAssertEqual(VersionNumber("1.2")!, VersionNumber("v1.2.0")!)
    XCTAssertLessThan(VersionNumber("0.1.0")!, VersionNumber("0.1.1-beta")!)
    XCTAssertNil(VersionNumber("latest"))
    XCTAssertNil(VersionNumber("1..2"))
  }

  func testStaticPathsAreDictionaryKeysOnly() {
    XCTAssertTrue(StaticFiles.isPlausible("/"))
    XCTAssertTrue(StaticFiles.isPlausible("/js/app.mjs"))
    for bad in [
      "/../etc/passwd", "/%2e%2e/x", "/.env", "//etc/passwd", "/a/../b", "/a\0b", "relative",
    ] {
      XCTAssertFalse(StaticFiles.isPlausible(bad), bad)
    }
  }
}
