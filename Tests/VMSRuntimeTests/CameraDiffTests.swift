import VMSConfig
import XCTest

@testable import VMSRuntime

/// Applying a configuration touches only what changed: a reload that renames one camera must not
/// cut the recording of the others.
final class CameraDiffTests: XCTestCase {
  private func camera(_ id: String, url: String? = nil) -> CameraSettings {
    CameraSettings(id: id, recordURL: url ?? "rtsp://cam/\(id)")
  }

  private func running(_ cameras: [CameraSettings]) -> [String: CameraSettings] {
    Dictionary(uniqueKeysWithValues: cameras.map { ($0.id, $0) })
  }

  func testUnchangedCamerasAreNotTouched() {
    let cameras = [camera("door"), camera("yard")]
    let diff = CameraDiff(running: running(cameras), wanted: cameras)
    XCTAssertTrue(diff.isEmpty)
  }

  func testARenameIsAppliedInPlace() {
    var renamed = camera("door")
    renamed.name = "Front door"
    let diff = CameraDiff(
      running: running([camera("door"), camera("yard")]), wanted: [renamed, camera("yard")])
    XCTAssertEqual(diff.updated.map(\.name), ["Front door"])
    XCTAssertTrue(diff.restarted.isEmpty && diff.removed.isEmpty && diff.added.isEmpty)
  }

  func testRecordingDetectorAndLiveChangesAreAppliedInPlace() {
    var changed = camera("door")
    changed.recording.postRollSeconds = 30
    changed.detector.type = "framediff"
    changed.live.fps = 5
    changed.retentionDays = 3
    let diff = CameraDiff(running: running([camera("door")]), wanted: [changed])
    XCTAssertEqual(diff.updated, [changed])
    XCTAssertTrue(diff.restarted.isEmpty)
  }

  func testANewURLTransportOrEnabledFlagReopensTheInputs() {
    var transport = camera("b")
    transport.rtspTransport = .udp
    var disabled = camera("c")
    disabled.enabled = false
    var detect = camera("d")
    detect.detectURL = "rtsp://cam/d-sub"
    let before = [camera("a"), camera("b"), camera("c"), camera("d")]
    let diff = CameraDiff(
      running: running(before),
      wanted: [camera("a", url: "rtsp://other/a"), transport, disabled, detect])
    XCTAssertEqual(diff.restarted.map(\.id), ["a", "b", "c", "d"])
    XCTAssertTrue(diff.updated.isEmpty)
  }

  func testRemovedAndAddedCameras() {
    let diff = CameraDiff(
      running: running([camera("door"), camera("yard"), camera("attic")]),
      wanted: [camera("gate"), camera("door")])
    XCTAssertEqual(diff.removed, ["attic", "yard"])
    XCTAssertEqual(diff.added.map(\.id), ["gate"])
    XCTAssertTrue(diff.updated.isEmpty && diff.restarted.isEmpty)
    XCTAssertEqual(diff.summary.sorted(), ["attic removed", "gate started", "yard removed"])
  }

  func testARepeatedIdKeepsItsFirstEntry() {
    let diff = CameraDiff(
      running: [:], wanted: [camera("door"), camera("door", url: "rtsp://other/door")])
    XCTAssertEqual(diff.added.map(\.recordURL), ["rtsp://cam/door"])
  }

  func testEmptyConfigurationStopsEverything() {
    let diff = CameraDiff(running: running([camera("door"), camera("yard")]), wanted: [])
    XCTAssertEqual(diff.removed, ["door", "yard"])
  }
}
