// The camera JSON's `detect_decode` (docs/api.md): the configured mode, what runs, the measured
// GOP, and the warning when a keyframe-only camera's pre-roll cannot cover that GOP + 1 s.
import Detectors
import Foundation
import VMSConfig
import VMSRuntime
import XCTest

@testable import WebUI

final class DetectDecodeJSONTests: XCTestCase {
  private func camera(_ decode: DecodeMode, preRollSeconds: Double) -> CameraSettings {
    CameraSettings(
      id: "yard", recordURL: "rtsp://192.0.2.10/s", detector: DetectorSettings(decode: decode),
      recording: RecordingSettings(preRollSeconds: preRollSeconds))
  }

  private func json(_ value: DetectDecodeJSON) throws -> [String: Any] {
    let data = try JSONEncoder().encode(value)
    return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
  }

  func testAKeyframeCameraWhosePreRollIsShorterThanItsGOPPlusOneSecondIsWarned() throws {
    let running = DetectDecodeStatus(mode: "keyframes", now: "keyframes", gopSeconds: 2)
    let short = try json(
      DetectDecodeJSON(settings: camera(.keyframes, preRollSeconds: 2.5), status: running))
    XCTAssertEqual(short["mode"] as? String, "keyframes")
    XCTAssertEqual(short["now"] as? String, "keyframes")
    XCTAssertEqual(short["gop_seconds"] as? Double, 2)
    XCTAssertTrue((short["warning"] as? String)?.contains("GOP (2.0 s) + 1 s") == true, "\(short)")
    let enough = try json(
      DetectDecodeJSON(settings: camera(.keyframes, preRollSeconds: 3), status: running))
    XCTAssertTrue(enough["warning"] is NSNull, "\(enough)")
  }

  func testBeforeTheStreamRunsNothingIsClaimed() throws {
    let idle = try json(DetectDecodeJSON(settings: camera(.all, preRollSeconds: 1), status: nil))
    XCTAssertEqual(idle["mode"] as? String, "all")
    XCTAssertTrue(
      idle["now"] is NSNull && idle["gop_seconds"] is NSNull && idle["warning"] is NSNull)
  }
}
