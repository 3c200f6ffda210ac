import Foundation
import Identifiers
import XCTest

@testable import Storage

final class DataLayoutTests: XCTestCase {
  private let layout = DataLayout(rootPath: "/srv/vms/data", timeZone: paris)

  func testPathsFollowTheDocumentedLayout() throws {
    XCTAssertEqual(layout.databasePath, "/srv/vms/data/vms.sqlite")
    XCTAssertEqual(layout.absolutePath(of: .recordings), "/srv/vms/data/recordings")
    XCTAssertEqual(layout.absolutePath(of: .archives), "/srv/vms/data/archives")
    let clip = try layout.clipRelativePath(
      in: .recordings, cameraId: "front-door", startMs: Instant.nov25At210304Ms + 999)
    XCTAssertEqual(clip, "recordings/front-door/2026-11-25/21-03-04.mp4")
    XCTAssertEqual(
      try layout.clipRelativePath(
        in: .archives, cameraId: "front-door", startMs: Instant.nov25At210304Ms, sequence: 2),
      "archives/front-door/2026-11-25/21-03-04-2.mp4")
    XCTAssertEqual(
      DataLayout.thumbnailRelativePath(ofClip: clip),
      "recordings/front-door/2026-11-25/21-03-04.jpg")
    XCTAssertEqual(
      try layout.relativePath(clip, movedTo: .archives),
      "archives/front-door/2026-11-25/21-03-04.mp4")
    XCTAssertEqual(
      try layout.dayDirectoryRelativePath(in: .recordings, cameraId: "yard", day: "2026-11-25"),
      "recordings/yard/2026-11-25")
  }

  func testLocalTimeRoundsDownToTheSecond() {
    XCTAssertEqual(layout.localTime(ofMs: Instant.nov25At2330Ms - 1).timeOfDay, "23-29-59")
    XCTAssertEqual(layout.localTime(ofMs: 0).day, "1970-01-01")
    XCTAssertEqual(layout.localTime(ofMs: 0).timeOfDay, "01-00-00")
    XCTAssertEqual(layout.localTime(ofMs: -1).timeOfDay, "00-59-59")
  }

  func testAbsolutePathAcceptsStoredClipPaths() throws {
    XCTAssertEqual(
      try layout.absolutePath(of: "recordings/front-door/2026-11-25/21-03-04.mp4"),
      "/srv/vms/data/recordings/front-door/2026-11-25/21-03-04.mp4")
    XCTAssertEqual(
      try layout.absolutePath(of: "archives/yard/2026-11-25/21-03-04-1.jpg"),
      "/srv/vms/data/archives/yard/2026-11-25/21-03-04-1.jpg")
  }

  func testAbsolutePathRefusesAnythingThatCouldLeaveTheDataDirectory() {
    let unsafe = [
      "", "/etc/passwd", "../etc/passwd", "recordings/../../etc/passwd", "recordings/..",
      "recordings/cam/../../../x", "recordings/a\0b", "./recordings/x", "recordings//x",
      "recordings/x/", "recordings", "vms.sqlite", "other/x.mp4", "..", "recordings/./x",
    ]
    for path in unsafe {
      assertThrowsStorageError(try layout.absolutePath(of: path), .unsafePath(path))
    }
    assertThrowsStorageError(
      try layout.relativePath("../recordings/x", movedTo: .archives), .unsafePath("../recordings/x")
    )
  }

  /// The one camera id rule (`CameraID`), as the layout applies it to paths.
  func testCameraIdValidation() throws {
    for valid in ["front-door", "front-door_2", "cam_1", "0", String(repeating: "z", count: 64)] {
      XCTAssertEqual(CameraID(valid)?.rawValue, valid)
      XCTAssertEqual(try DataLayout.validateCameraId(valid).rawValue, valid)
    }
    for invalid in [
      "", "../x", "../etc", "a/b", "A", "a\0", ".", "..", "-/", "é", "café", "a b",
      String(repeating: "z", count: 65),
    ] {
      XCTAssertNil(CameraID(invalid), invalid)
      assertThrowsStorageError(
        try layout.clipRelativePath(in: .recordings, cameraId: invalid, startMs: 0),
        .invalidCameraId(invalid))
    }
  }

  func testErrorsDoNotEchoControlCharacters() {
    let message = "\(StorageError.invalidCameraId("a\nb\0c"))"
    XCTAssertFalse(message.contains("\n"))
    XCTAssertFalse(message.contains("\0"))
    XCTAssertTrue(message.contains("a-z"))
  }
}
