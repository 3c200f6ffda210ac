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
}
