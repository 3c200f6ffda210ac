// `detector.decode`: its two values, a wrong one reported at its line, and the check-config warning
// for keyframe-only detection with a pre-roll too short for even a 1 s GOP.

import Detectors
import VMSConfig
import XCTest

final class KeyframeDecodeConfigTests: XCTestCase {
  private func load(_ cameraLines: String) throws -> VMSConfiguration {
    try ConfigLoader.parse(
      text: "cameras:\n  yard:\n    record_url: rtsp://192.0.2.10/stream1\n" + cameraLines,
      path: "/tmp/vms.yaml", detectors: .builtIn)
  }

  func testDecodeIsAllByDefaultAndKeyframesWhenAsked() throws {
    XCTAssertEqual(try load("").cameras[0].detector.decode, .all)
    let keyframes = try load("    detector: { type: framediff, decode: keyframes }\n")
    XCTAssertEqual(keyframes.cameras[0].detector.decode, .keyframes)
    XCTAssertEqual(keyframes.warnings, [], "the default 5 s pre-roll covers a 1 s GOP + 1 s")
  }

  func testAWrongDecodeValueIsAProblemAtItsLine() {
    XCTAssertThrowsError(try load("    detector:\n      decode: keyframe\n")) { error in
      let problem = (error as? ConfigError)?.problems.first
      XCTAssertEqual(problem?.line, 5)
      XCTAssertEqual(problem?.message.contains("bad decode mode \"keyframe\""), true)
      XCTAssertEqual(problem?.hint?.contains("all, keyframes"), true)
    }
  }

  func testKeyframesWithAPreRollUnderTwoSecondsLoadsWithAWarningAtTheDecodeLine() throws {
    let short = try load(
      "    detector:\n      type: mog2\n      decode: keyframes\n"
        + "    recording:\n      pre_roll: 1500ms\n")
    XCTAssertEqual(short.warnings.count, 1)
    let warning = short.warnings.first
    XCTAssertEqual(warning?.line, 6)
    XCTAssertEqual(warning?.key, "cameras.yard.detector.decode")
    XCTAssertEqual(warning?.hint?.contains("GOP + 1 s"), true)
    let enough = try load(
      "    detector: { decode: keyframes }\n    recording: { pre_roll: 2s }\n")
    XCTAssertEqual(enough.warnings, [])
    let all = try load("    recording: { pre_roll: 1s }\n")
    XCTAssertEqual(all.warnings, [], "decode: all notices motion at once")
  }
}
