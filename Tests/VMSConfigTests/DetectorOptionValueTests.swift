// An option value a detector refuses must fail the configuration with its line: at run time it
// would leave the camera without detection, so it would never record.

import Detectors
import VMSConfig
import XCTest

final class DetectorOptionValueTests: XCTestCase {
  private func problems(_ cameras: String) -> [ConfigProblem] {
    let text = "cameras:\n" + cameras
    do {
      _ = try ConfigLoader.parse(text: text, path: testPath, detectors: .builtIn)
      return []
    } catch {
      return error.problems
    }
  }

  func testOutOfRangeValuesAreReportedAtTheirLine() {
    let found = problems(
      """
        a:
          record_url: "rtsp://192.0.2.1/s"
          detector:
            type: framediff
            threshold: 999
        b:
          record_url: "rtsp://192.0.2.1/s"
          detector:
            type: mog2
            var_threshold: 20
            history: 3.5

      """)
    XCTAssertEqual(found.map(\.line), [6, 12], "\(found)")
    XCTAssertEqual(found.map(\.column), [18, 16], "\(found)")
    XCTAssertTrue(found[0].message.contains("cameras.a.detector.threshold: 999"), found[0].message)
    XCTAssertEqual(found[0].hint, "use a whole number from 1 to 254")
    XCTAssertTrue(found[1].message.contains("cameras.b.detector.history: 3.5"), found[1].message)
  }

  func testValuesInRangeAndDefaultsPass() {
    XCTAssertEqual(
      problems(
        """
          a:
            record_url: "rtsp://192.0.2.1/s"
            detector: {type: framediff, threshold: 254}
          b:
            record_url: "rtsp://192.0.2.1/s"
            detector: {type: mog2, history: 1, var_threshold: 10000}
          c:
            record_url: "rtsp://192.0.2.1/s"

        """), [])
  }

  func testWithoutARegistryOnlyKeysAreChecked() throws {
    // The keys-only entry point (no detector to build) keeps accepting any number.
    let text =
      "cameras:\n  a:\n    record_url: \"rtsp://192.0.2.1/s\"\n    detector: {type: framediff, threshold: 999}\n"
    let config = try ConfigLoader.parse(
      text: text, path: testPath, detectorOptionKeys: testDetectorOptions)
    XCTAssertEqual(config.cameras.first?.detector.options["threshold"], 999)
  }
}
