// What an edit from the camera form writes: only the values that differ from the settings in
// force, so a camera keeps following every default the user did not touch.
import Detectors
import VMSConfig
import XCTest

@testable import VMSRuntime

final class CameraEditsTests: XCTestCase {
  let base: CameraSettings = {
    var camera = CameraSettings(
      id: "front", name: "Front door", recordURL: "rtsp://user:s3cret@10.0.0.1/main",
      retentionDays: 14)
    camera.detector.options = ["var_threshold": 25]
    return camera
  }()

  /// The form as the UI sends it: the whole Camera object, passwords as `***`.
  func unchangedForm() -> CameraForm {
    var form = CameraForm()
    form.name = base.name
    form.enabled = base.enabled
    form.recordURL = "rtsp://user:***@10.0.0.1/main"
    form.detectURL = ""
    form.rtspTransport = "tcp"
    form.detector = .init(
      type: base.detector.type, fps: base.detector.fps,
      minAreaPercent: base.detector.minAreaPercent,
      warmupSeconds: base.detector.warmupSeconds, decode: "all")
    form.recording = .init(
      enabled: true, mode: "events", segmentSeconds: base.recording.segmentSeconds,
      preRollSeconds: base.recording.preRollSeconds,
      postRollSeconds: base.recording.postRollSeconds,
      minDurationSeconds: base.recording.minDurationSeconds,
      maxDurationSeconds: base.recording.maxDurationSeconds)
    form.retentionDays = base.retentionDays
    form.live = .init(
      fps: base.live.fps, width: base.live.width, showDetection: base.live.showDetection)
    return form
  }

  func testAnUnchangedFormWritesNothing() {
    XCTAssertEqual(CameraEditing.edits(from: unchangedForm(), against: base), [])
    XCTAssertEqual(CameraEditing.edits(from: CameraForm(), against: base), [])
  }

  func testOnlyTheChangedValuesAreWritten() {
    var form = unchangedForm()
    form.name = "Porch"
    form.recording.preRollSeconds = 2
    form.live.width = 960
    XCTAssertEqual(
      CameraEditing.edits(from: form, against: base),
      [
        .set(["name"], .string("Porch")), .set(["recording", "pre_roll"], .word("2s")),
        .set(["live", "width"], .integer(960)),
      ])
  }

  func testRecordingModeSegmentAndDecodeAreWrittenWhenChanged() {
    var form = unchangedForm()
    form.recording.mode = "continuous"
    form.recording.segmentSeconds = 30
    form.detector.decode = "keyframes"
    XCTAssertEqual(
      CameraEditing.edits(from: form, against: base),
      [
        .set(["detector", "decode"], .word("keyframes")),
        .set(["recording", "mode"], .word("continuous")),
        .set(["recording", "segment"], .word("30s")),
      ])
  }

  func testPasswordsAreRestoredAndANewOneIsWritten() {
    var form = unchangedForm()
    form.recordURL = "rtsp://user:***@10.0.0.9/main"
    XCTAssertEqual(
      CameraEditing.edits(from: form, against: base),
      [.set(["record_url"], .string("rtsp://user:s3cret@10.0.0.9/main"))])
  }

  func testANewTypeDropsTheOldTypesOptions() {
    var form = CameraForm()
    form.detector.type = "framediff"
    XCTAssertEqual(
      CameraEditing.edits(from: form, against: base),
      [.set(["detector", "type"], .word("framediff")), .remove(["detector", "var_threshold"])])
  }

  func testRetentionBackToTheDefaultAndDetectURLRemoved() {
    var camera = base
    camera.detectURL = "rtsp://10.0.0.1/sub"
    var form = CameraForm()
    form.retentionDaysToDefault = true
    form.detectURL = ""
    XCTAssertEqual(
      CameraEditing.edits(from: form, against: camera),
      [.remove(["detect_url"]), .remove(["retention_days"])])
  }

  func testAProblemIsPlacedOnItsKeyWithoutThePath() {
    let problem = ConfigProblem(
      file: "/v.yaml", line: 4, column: 9,
      message: "cameras.front.detector.fps: 5000 is out of range",
      hint: "write a number more than 0", key: "cameras.front.detector.fps")
    XCTAssertEqual(
      CameraEditProblem(problem, camera: "front"),
      CameraEditProblem(
        key: "detector.fps", message: "5000 is out of range (write a number more than 0)"))
    let id = ConfigProblem(
      file: "/v.yaml", line: 2, column: 3, message: "camera id \"A B\" is not valid",
      hint: "use a-z", key: "cameras.A B")
    XCTAssertEqual(CameraEditProblem(id, camera: "A B").key, "id")
    let elsewhere = ConfigProblem(
      file: "/v.yaml", line: 1, column: 1, message: "server.listen: bad", key: "server.listen")
    XCTAssertEqual(
      CameraEditProblem(elsewhere, camera: "front"),
      CameraEditProblem(key: nil, message: "server.listen: bad"))
  }
}
