// Frames slower than `fps` (`decode: keyframes`: one a GOP): the rules written per frame at `fps`
// keep their meaning in seconds. The gate's two frames to start and two frames of quiet, and MOG2's
// history, are converted with the interval the frames actually come at.
import Detectors
import XCTest

@testable import Detectors

final class SlowFrameRateTests: XCTestCase {
  private let frame = SyntheticScene.flat(level: 50)

  private func gate(_ script: [Double]) -> MotionGate {
    var gate = MotionGate(
      settings: DetectorSettings(type: "scripted", fps: 4, minAreaPercent: 1, warmupSeconds: 1),
      detector: ScriptedDetector(script))
    gate.restart(at: 0)
    return gate
  }

  func testOneFrameASecondStartsMotionOnItsFirstMovingFrameAndStopsAfterTwoQuietOnes() {
    // Frames at 0, 1, 2, ... s: moving at 3 and 4 s. At 4 fps two frames span 0.5 s, which one
    // frame a second covers: started at 3 s, not 4; quiet for two frames (2 s): stopped at 6 s.
    var gate = gate([0, 0, 0, 10, 10, 0, 0, 0, 0])
    var changes: [(Double, MotionChange)] = []
    for second in 0..<9 {
      if let change = gate.analyse(frame, at: Double(second)) {
        changes.append((Double(second), change))
      }
    }
    XCTAssertEqual(gate.frameIntervalSeconds, 1)
    XCTAssertEqual(gate.framesNeededToStart, 1)
    XCTAssertEqual(gate.quietSeconds, 2)
    XCTAssertEqual(changes.map(\.0), [3, 6])
    XCTAssertEqual(changes.map(\.1), [.started, .stopped])
  }

  func testAtTheConfiguredRateTwoFramesStillStartMotion() {
    var gate = gate([0, 0, 0, 0, 0, 10, 10, 10])
    var started: Double?
    for index in 0..<8 where started == nil {
      if gate.analyse(frame, at: Double(index) * 0.25) == .started {
        started = Double(index) * 0.25
      }
    }
    XCTAssertEqual(gate.framesNeededToStart, 2)
    XCTAssertEqual(started, 1.5)
  }

  func testMOG2LearnsOverTheSameTimeWhateverTheFrameRate() {
    // history 500 at 5 fps: 100 s. A frame every 0.2 s weighs 1/500; a keyframe every second
    // stands for 5 frames: 5/500. The first frames learn faster, as OpenCV's own rule does.
    let everyFrame = MOG2Detector(history: 500, framesPerSecond: 5)
    let keyframes = MOG2Detector(history: 500, framesPerSecond: 5)
    XCTAssertEqual(keyframes.learningRate(intervalSeconds: 1), 0.5, accuracy: 1e-9)
    for _ in 0..<1000 { _ = everyFrame.learningRate(intervalSeconds: 0.2) }
    for _ in 0..<200 { _ = keyframes.learningRate(intervalSeconds: 1) }
    XCTAssertEqual(everyFrame.learningRate(intervalSeconds: 0.2), 1.0 / 500, accuracy: 1e-9)
    XCTAssertEqual(keyframes.learningRate(intervalSeconds: 1), 5.0 / 500, accuracy: 1e-9)
    // Without a rate (a detector built outside the registry), OpenCV's per-frame rule applies.
    XCTAssertEqual(MOG2Detector().learningRate(intervalSeconds: 1), -1)
  }
}
