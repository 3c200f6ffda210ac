// The camera form borrows the Camera object's nested keys (docs/api.md); this pins that every
// nested field of a POST or PUT body still reaches the form.
import Foundation
import VMSRuntime
import XCTest

@testable import WebUI

final class CameraFormJSONTests: XCTestCase {
  func testEveryNestedFieldOfTheBodyReachesTheForm() throws {
    let body = """
      {"name": "Front", "config_hash": "abc",
       "detector": {"type": "framediff", "fps": 2.5, "min_area_percent": 1.5, "warmup_seconds": 3},
       "recording": {"enabled": false, "pre_roll_seconds": 4, "post_roll_seconds": 6,
                     "min_duration_seconds": 8, "max_duration_seconds": 600},
       "live": {"fps": 10, "width": 640, "show_detection": true}}
      """
    let decoded = try JSONDecoder().decode(CameraFormJSON.self, from: Data(body.utf8))
    XCTAssertEqual(decoded.configHash, "abc")
    let form = decoded.form
    XCTAssertEqual(form.name, "Front")
    XCTAssertEqual(
      form.detector,
      CameraForm.Detector(type: "framediff", fps: 2.5, minAreaPercent: 1.5, warmupSeconds: 3))
    XCTAssertEqual(
      form.recording,
      CameraForm.Recording(
        enabled: false, preRollSeconds: 4, postRollSeconds: 6, minDurationSeconds: 8,
        maxDurationSeconds: 600))
    XCTAssertEqual(form.live, CameraForm.Live(fps: 10, width: 640, showDetection: true))
  }

  func testANullRetentionMeansTheDefaultAndAnAbsentOneMeansUnchanged() throws {
    let null = try JSONDecoder().decode(
      CameraFormJSON.self, from: Data(#"{"retention_days": null}"#.utf8)
    ).form
    XCTAssertTrue(null.retentionDaysToDefault)
    XCTAssertNil(null.retentionDays)
    let absent = try JSONDecoder().decode(CameraFormJSON.self, from: Data(#"{"name": "x"}"#.utf8))
      .form
    XCTAssertFalse(absent.retentionDaysToDefault)
    let seven = try JSONDecoder().decode(
      CameraFormJSON.self, from: Data(#"{"retention_days": 7}"#.utf8)
    ).form
    XCTAssertEqual(seven.retentionDays, 7)
    XCTAssertFalse(seven.retentionDaysToDefault)
  }

  /// A refused edit's problems point at the Camera object's fields, named as the API names them.
  func testProblemsNameTheFieldsOfTheCameraObject() {
    let cases: [(String?, String?)] = [
      ("id", "id"), ("name", "name"), ("record_url", "record_url"),
      ("detector.warmup", "detector.warmup_seconds"),
      ("detector.min_area_percent", "detector.min_area_percent"),
      ("recording.pre_roll", "recording.pre_roll_seconds"),
      ("recording.max_duration", "recording.max_duration_seconds"), ("live.width", "live.width"),
      ("retention_days", "retention_days"), ("detector.var_threshold", nil), (nil, nil),
    ]
    for (key, field) in cases {
      XCTAssertEqual(
        CameraProblemJSON(CameraEditProblem(key: key, message: "m")).field, field,
        "\(String(describing: key))")
    }
  }
}
