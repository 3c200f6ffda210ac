// Proof of the plugin point: a detector defined only here, in the test target, is registered with one
// `registering(_:)` call, listed for the validator, built by name and drives a MotionGate, without
// any change to the Detectors module.
import Detectors
import XCTest

/// Motion = the mean brightness moved away from the first frame's by at least `delta` levels
/// (lights switched on in a dark room). Reports the whole frame as the region.
final class BrightnessDetector: MotionDetector {
  let deltaLevels: Double
  private var baselineLevel: Double?

  init(deltaLevels: Double) { self.deltaLevels = deltaLevels }

  func analyse(_ frame: GrayFrame) -> MotionResult {
    guard !frame.pixels.isEmpty else { return .still }
    let mean = Double(frame.pixels.reduce(0) { $0 + Int($1) }) / Double(frame.pixels.count)
    guard let baselineLevel else {
      baselineLevel = mean
      return .still
    }
    guard abs(mean - baselineLevel) >= deltaLevels else { return .still }
    return MotionResult(
      changedPercent: 100,
      regions: [MotionRegion(x: 0, y: 0, width: frame.width, height: frame.height)])
  }

  func reset() { baselineLevel = nil }

  static let registryEntry = DetectorRegistry.Entry(name: "brightness", optionKeys: ["delta"]) {
    BrightnessDetector(deltaLevels: $0.options["delta"] ?? 20)
  }
}

final class PluginDetectorTests: XCTestCase {
  func testThirdDetectorRegistersBuildsAndDrivesAGate() throws {
    let registry = DetectorRegistry.builtIn.registering(BrightnessDetector.registryEntry)
    XCTAssertEqual(registry.optionKeysByType["brightness"], ["delta"])
    XCTAssertEqual(registry.names, ["brightness", "framediff", "mog2", "none"])
    // Registering returns a new value: the shared built-in registry is untouched.
    XCTAssertNil(DetectorRegistry.builtIn.optionKeysByType["brightness"])

    let settings = DetectorSettings(
      type: "brightness", fps: 4, minAreaPercent: 50, warmupSeconds: 1, options: ["delta": 30])
    let detector = try registry.make(settings)
    XCTAssertEqual((detector as? BrightnessDetector)?.deltaLevels, 30)

    var gate = MotionGate(settings: settings, detector: detector)
    gate.restart(at: 0)
    // Dark for 3 s, lit (mean +100) for 2 s, dark again for 3 s; 4 frames a second.
    var changes: [(seconds: Double, change: MotionChange)] = []
    for index in 0..<32 {
      let seconds = Double(index) * 0.25
      let lit = (12..<20).contains(index)
      XCTAssertTrue(gate.wantsFrame(at: seconds))
      if let change = gate.analyse(SyntheticScene.flat(level: lit ? 140 : 40), at: seconds) {
        changes.append((seconds, change))
      }
    }
    // Lit from 3.0 s: two frames in a row at 3.25 s. Last lit frame 4.75 s: stopped at 5.75 s.
    XCTAssertEqual(changes.map(\.change), [.started, .stopped])
    XCTAssertEqual(changes.map(\.seconds), [3.25, 5.75])
    XCTAssertEqual(gate.lastResult, .still)
  }

  func testUnknownTypeErrorListsPlugins() {
    let registry = DetectorRegistry.builtIn.registering(BrightnessDetector.registryEntry)
    XCTAssertThrowsError(try registry.make(DetectorSettings(type: "lux"))) {
      XCTAssertEqual(
        $0 as? DetectorError,
        .unknownType("lux", known: ["brightness", "framediff", "mog2", "none"]))
    }
  }
}
