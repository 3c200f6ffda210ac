import VMSConfig
import XCTest

final class ConfigEditorTests: XCTestCase {
  let keys: [String: Set<String>] = ["mog2": ["history", "var_threshold"], "framediff": ["threshold"], "none": []]

  let text = """
    # my cameras
    server:
      listen: "127.0.0.1:8080"
    cameras:
      a:   # the porch
        record_url: "rtsp://u:p@10.0.0.1/a"
        detector: { type: mog2 }

      b:
        record_url: rtsp://10.0.0.2/b
        name: "Back"
      # spare slot below
    storage:
      retention_days: 7
    """

  func testReplacingOneCameraKeepsEveryOtherLine() throws {
    let edited = try ConfigEditor.settingCamera(
      "b", to: [("name", .string("Back yard")), ("record_url", .string("rtsp://10.0.0.2/b"))], in: text)
    XCTAssertTrue(edited.contains("  a:   # the porch\n    record_url: \"rtsp://u:p@10.0.0.1/a\"\n    detector: { type: mog2 }\n"))
    XCTAssertTrue(edited.contains("  b:\n    name: \"Back yard\"\n    record_url: \"rtsp://10.0.0.2/b\"\n  # spare slot below\nstorage:"))
    XCTAssertTrue(edited.hasPrefix("# my cameras\n"))
    let config = try ConfigLoader.parse(text: edited, path: "/etc/vms/vms.yaml", detectorOptionKeys: keys)
    XCTAssertEqual(config.cameras.map(\.id), ["a", "b"])
    XCTAssertEqual(config.cameras[1].name, "Back yard")
    XCTAssertEqual(config.storage.retentionDays, 7)
  }

  func testAddingACameraAppendsToTheCamerasSection() throws {
    let edited = try ConfigEditor.settingCamera(
      "c", to: [("record_url", .string("rtsp://10.0.0.3/c")), ("detector", .mapping([("type", .string("framediff")), ("fps", .number(2.5))]))],
      in: text)
    let config = try ConfigLoader.parse(text: edited, path: "/etc/vms/vms.yaml", detectorOptionKeys: keys)
    XCTAssertEqual(config.cameras.map(\.id), ["a", "b", "c"])
    XCTAssertEqual(config.cameras[2].detector.type, "framediff")
    XCTAssertEqual(config.cameras[2].detector.fps, 2.5)
    XCTAssertEqual(config.storage.retentionDays, 7)
    XCTAssertTrue(edited.contains("  # spare slot below\nstorage:"))
  }

  func testRemovingACamera() throws {
    let edited = try ConfigEditor.removingCamera("a", from: text)
    let config = try ConfigLoader.parse(text: edited, path: "/etc/vms/vms.yaml", detectorOptionKeys: keys)
    XCTAssertEqual(config.cameras.map(\.id), ["b"])
    XCTAssertFalse(edited.contains("the porch"))
    XCTAssertThrowsError(try ConfigEditor.removingCamera("zz", from: text))
  }

  func testAddingToAnEmptyOrMissingCamerasSection() throws {
    for base in ["server:\n  listen: \"127.0.0.1:9000\"\ncameras:\n", "server:\n  listen: \"127.0.0.1:9000\"\ncameras: {}\n", "server:\n  listen: \"127.0.0.1:9000\"\n"] {
      let edited = try ConfigEditor.settingCamera("x", to: [("record_url", .string("rtsp://h/x"))], in: base)
      let config = try ConfigLoader.parse(text: edited, path: "/v.yaml", detectorOptionKeys: keys)
      XCTAssertEqual(config.cameras.map(\.id), ["x"], edited)
      XCTAssertEqual(config.server.listenPort, 9000)
    }
  }

  func testQuotingSurvivesHostileText() throws {
    let name = "Entrée \"porte\" # \\ : {x}\n- y"
    let edited = try ConfigEditor.settingCamera("q", to: [("name", .string(name)), ("record_url", .string("rtsp://h/q"))], in: text)
    let config = try ConfigLoader.parse(text: edited, path: "/v.yaml", detectorOptionKeys: keys)
    XCTAssertEqual(config.cameras.first { $0.id == "q" }?.name, name)
  }

  func testWrittenScalarIsTheTextAsWritten() {
    XCTAssertEqual(ConfigEditor.writtenScalar(camera: "b", path: ["record_url"], in: text), "rtsp://10.0.0.2/b")
    XCTAssertEqual(ConfigEditor.writtenScalar(camera: "a", path: ["detector", "type"], in: text), "mog2")
    XCTAssertNil(ConfigEditor.writtenScalar(camera: "zz", path: ["record_url"], in: text))
  }
}
