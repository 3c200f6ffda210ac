// The registry: names and option keys for the YAML validator, option values applied and checked,
// errors that name what is wrong and what would be right.
import Detectors
import XCTest

final class DetectorRegistryTests: XCTestCase {
  func testBuiltInTypesAndOptionKeys() {
    XCTAssertEqual(
      DetectorRegistry.builtIn.optionKeysByType,
      ["mog2": ["history", "var_threshold"], "framediff": ["threshold"], "none": []])
    XCTAssertEqual(DetectorRegistry.builtIn.names, ["framediff", "mog2", "none"])
  }

  func testMakeBuildsEachTypeWithItsOptions() throws {
    let registry = DetectorRegistry.builtIn
    let mog2 = try registry.make(
      DetectorSettings(type: "mog2", options: ["history": 200, "var_threshold": 25]))
    XCTAssertEqual((mog2 as? MOG2Detector)?.history, 200)
    XCTAssertEqual((mog2 as? MOG2Detector)?.varThreshold, 25)
    let defaults = try registry.make(DetectorSettings(type: "mog2"))
    XCTAssertEqual((defaults as? MOG2Detector)?.history, 500)
    XCTAssertEqual((defaults as? MOG2Detector)?.varThreshold, 16)
    let diff = try registry.make(DetectorSettings(type: "framediff", options: ["threshold": 40]))
    XCTAssertEqual((diff as? FrameDiffDetector)?.threshold, 40)
    XCTAssertEqual(
      (try registry.make(DetectorSettings(type: "framediff")) as? FrameDiffDetector)?.threshold, 25)
    XCTAssertTrue(try registry.make(DetectorSettings(type: "none")) is NoneDetector)
  }

  func testUnknownTypeThrowsNamingTheKnownOnes() {
    XCTAssertThrowsError(try DetectorRegistry.builtIn.make(DetectorSettings(type: "mog3"))) {
      XCTAssertEqual(
        $0 as? DetectorError, .unknownType("mog3", known: ["framediff", "mog2", "none"]))
      XCTAssertEqual(
        "\($0)", "unknown detector type \"mog3\": use one of framediff, mog2, none")
    }
  }

  func testUnknownOptionThrows() {
    let settings = DetectorSettings(type: "framediff", options: ["treshold": 30])
    XCTAssertThrowsError(try DetectorRegistry.builtIn.make(settings)) {
      XCTAssertEqual(
        $0 as? DetectorError,
        .unknownOption(type: "framediff", key: "treshold", known: ["threshold"]))
      XCTAssertTrue("\($0)".contains("use threshold"), "\($0)")
    }
    XCTAssertThrowsError(
      try DetectorRegistry.builtIn.make(DetectorSettings(type: "none", options: ["x": 1]))
    ) {
      XCTAssertTrue("\($0)".contains("it takes no options"), "\($0)")
    }
  }

  func testOutOfRangeOptionValuesThrow() {
    let bad: [(String, String, Double)] = [
      ("mog2", "history", 0), ("mog2", "history", 10.5), ("mog2", "var_threshold", 0),
      ("framediff", "threshold", 0), ("framediff", "threshold", 255),
      ("framediff", "threshold", -3),
    ]
    for (type, key, value) in bad {
      XCTAssertThrowsError(
        try DetectorRegistry.builtIn.make(DetectorSettings(type: type, options: [key: value])),
        "\(type).\(key) = \(value)"
      ) {
        guard case .invalidOption(type, key, value, _)? = $0 as? DetectorError else {
          return XCTFail("\(type).\(key) = \(value): unexpected \($0)")
        }
      }
    }
  }
}
