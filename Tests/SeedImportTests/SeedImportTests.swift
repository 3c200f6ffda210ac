// The pure parts of `vms import-seed`: camera ids from names, start times from the original's
// file names, sensitivity to min_area_percent, tolerant cameras.json shapes.
import Foundation
import VMSConfig
import XCTest

@testable import SeedImport

final class SeedImportTests: XCTestCase {
  func testCameraIdsAreLowercaseASCIIWithDashes() {
    XCTAssertEqual(SeedCameraId.slug("Entrée principale"), "entree-principale")
    XCTAssertEqual(SeedCameraId.slug("  Cour (arrière) #2 "), "cour-arriere-2")
    XCTAssertEqual(SeedCameraId.slug("Straße"), "strasse")
    XCTAssertEqual(SeedCameraId.slug("***"), "camera")
    XCTAssertEqual(SeedCameraId.unique("Garage", taken: ["garage", "garage-2"]), "garage-3")
  }

  func testStartTimesFromTheOriginalsNames() {
    let utc = TimeZone(identifier: "UTC")!
    let expected: Int64 = 1_709_301_909_000  // 2024-03-01 14:05:09 UTC
    for path in [
      "Entrée/2024-03-01/14-05-09.mp4", "Entrée/Entrée_20240301_140509.mp4",
      "Entrée_2024-03-01_14-05-09.mp4", "cam1/2024-03-01 14:05:09.mp4",
      "cam_2024_03_01_14_05_09.mp4",
    ] {
      XCTAssertEqual(SeedClipName.startMs(of: path, timeZone: utc), expected, path)
    }
    XCTAssertNil(SeedClipName.startMs(of: "cam/clip-12.mp4", timeZone: utc))
    XCTAssertNil(SeedClipName.startMs(of: "cam/2024-13-01/14-05-09.mp4", timeZone: utc))
  }

  func testSensitivityBecomesMinAreaPercent() {
    XCTAssertEqual(SeedConfigWriter.minAreaPercent(sensitivity: nil), 0.5)
    XCTAssertEqual(SeedConfigWriter.minAreaPercent(sensitivity: 90), 0.5)
    XCTAssertEqual(SeedConfigWriter.minAreaPercent(sensitivity: 50), 2.5)
    XCTAssertEqual(SeedConfigWriter.minAreaPercent(sensitivity: 100), 0.05)
    XCTAssertEqual(SeedConfigWriter.minAreaPercent(sensitivity: 500), 0.16)
  }

  func testCamerasJSONShapes() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let shapes = [
      #"[{"name": "A", "url": "rtsp://a"}]"#,
      #"{"A": {"rtsp_url": "rtsp://a"}}"#,
      #"{"cameras": [{"nom": "A", "source": "rtsp://a", "actif": "oui"}], "other": 1}"#,
    ]
    for shape in shapes {
      try Data(shape.utf8).write(to: folder.appendingPathComponent("cameras.json"))
      let settings = try SeedSettings.read(root: folder.path)
      XCTAssertEqual(settings.cameras.map(\.name), ["A"], shape)
      XCTAssertEqual(settings.cameras.first?.url, "rtsp://a", shape)
      XCTAssertEqual(settings.cameras.first?.enabled, true, shape)
    }
    try Data(#"{"retention_days": "7"}"#.utf8).write(
      to: folder.appendingPathComponent("settings.json"))
    XCTAssertEqual(try SeedSettings.read(root: folder.path).retentionDays, 7)
  }

  func testAnyDataDirectoryReadsBackFromTheNewFile() throws {
    // DEL in particular: libyaml refuses it unescaped.
    let folder = "/srv/vms \"cams\"\\\n\tdata\u{7F}"
    let text = try SeedConfigWriter.newFile(
      cameras: [], retentionDays: nil, dataDirectory: folder, seedPath: "/seed")
    let configuration = try ConfigLoader.parse(
      text: text, path: "/etc/vms/vms.yaml", detectorOptionKeys: ["mog2": []])
    XCTAssertEqual(configuration.server.dataDirectory, folder)
  }
}
