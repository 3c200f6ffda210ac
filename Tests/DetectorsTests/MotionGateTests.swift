// MotionGate's policy: warm-up, two consecutive frames to start, quiet time to stop, rate cap, size
// changes. Most tests use a scripted detector and fps 4 (0.25 s is exact in binary, so times compare
// exactly); one runs a real MOG2 to show the warm-up hides its first-frame "everything moved".
import Detectors
import XCTest

final class MotionGateTests: XCTestCase {
  private let frame = SyntheticScene.flat(level: 50)

  private func settings(
    fps: Double = 4, minAreaPercent: Double = 1, warmupSeconds: Double = 2
  ) -> DetectorSettings {
    DetectorSettings(
      type: "scripted", fps: fps, minAreaPercent: minAreaPercent, warmupSeconds: warmupSeconds)
  }

  /// Feeds one frame per 1/fps from `startSeconds` for `count` frames; returns the changes by time.
  private func feed(
    _ gate: inout MotionGate, from startSeconds: Double, count: Int, frame: (Int) -> GrayFrame
  ) -> [(seconds: Double, change: MotionChange)] {
    var changes: [(seconds: Double, change: MotionChange)] = []
    for index in 0..<count {
      let seconds = startSeconds + Double(index) / gate.settings.fps
      XCTAssertTrue(gate.wantsFrame(at: seconds), "frame at \(seconds) s should be wanted")
      if let change = gate.analyse(frame(index), at: seconds) { changes.append((seconds, change)) }
    }
    return changes
  }

  func testNoMotionDuringWarmupEvenWhenEveryFrameChanges() {
    let detector = ScriptedDetector([100])
    var gate = MotionGate(settings: settings(warmupSeconds: 2), detector: detector)
    gate.restart(at: 10)
    let changes = feed(&gate, from: 10, count: 12) { _ in self.frame }
    // Warm-up ends at 12 s: 12.0 is the first counted frame, 12.25 the second in a row.
    XCTAssertEqual(changes.map(\.seconds), [12.25])
    XCTAssertEqual(changes.map(\.change), [.started])
    XCTAssertEqual(detector.framesAnalysed, 12, "warm-up frames must still reach the detector")
    XCTAssertEqual(detector.resetCount, 1)
  }

  func testLastResultIsStillDuringWarmup() {
    var gate = MotionGate(settings: settings(warmupSeconds: 1), detector: ScriptedDetector([70]))
    gate.restart(at: 0)
    _ = gate.analyse(frame, at: 0.5)
    XCTAssertEqual(gate.lastResult, .still)
    _ = gate.analyse(frame, at: 1.0)
    XCTAssertEqual(gate.lastResult.changedPercent, 70)
  }

  func testRealMOG2ReconnectCausesNoFalseEvent() {
    // The program vms replaces raised a false event on every reconnect: a fresh MOG2 model calls its
    // whole first frame foreground, and so do the next few while the camera's exposure settles.
    let scene = SyntheticScene(
      movingFrames: 60..<80, squareLevel: 230, settlingLevels: [60, 40, 20])
    let mog2Settings = DetectorSettings(type: "mog2", fps: 5, minAreaPercent: 0.5, warmupSeconds: 3)

    // The premise, and the control: without a warm-up the same footage does start motion.
    var unguarded = mog2Settings
    unguarded.warmupSeconds = 0
    var control = MotionGate(settings: unguarded, detector: MOG2Detector())
    control.restart(at: 0)
    let controlChanges = (0..<40).compactMap {
      control.analyse(scene.frame($0), at: Double($0) * 0.2)
    }
    XCTAssertEqual(controlChanges.first, .started, "the control should show the false event")

    let recorder = RecordingDetector(MOG2Detector())
    var gate = MotionGate(settings: mog2Settings, detector: recorder)
    for connection in 0..<2 {
      let startSeconds = Double(connection) * 100
      gate.restart(at: startSeconds)
      let firstResult = recorder.results.count
      for index in 0..<40 {
        let seconds = startSeconds + Double(index) * 0.2
        XCTAssertNil(gate.analyse(scene.frame(index), at: seconds), "connection \(connection)")
        XCTAssertFalse(gate.isMotion)
      }
      XCTAssertGreaterThan(
        recorder.results[firstResult].changedPercent, 90,
        "a fresh model calls its first frame foreground (connection \(connection))")
    }
    XCTAssertEqual(recorder.resetCount, 2)
    // And the gate is not simply deaf: the square then starts motion, and its exit stops it.
    var changes: [MotionChange] = []
    for index in 40..<100 {
      if let change = gate.analyse(scene.frame(index), at: 100 + Double(index) * 0.2) {
        changes.append(change)
      }
    }
    XCTAssertEqual(changes, [.started, .stopped])
  }

  func testRestartRearmsWarmupAndTurnsMotionOff() {
    let detector = ScriptedDetector([100])
    var gate = MotionGate(settings: settings(warmupSeconds: 2), detector: detector)
    gate.restart(at: 0)
    XCTAssertEqual(feed(&gate, from: 0, count: 10) { _ in self.frame }.map(\.change), [.started])
    XCTAssertTrue(gate.isMotion)

    gate.restart(at: 20)
    XCTAssertFalse(gate.isMotion)
    XCTAssertEqual(gate.lastResult, .still)
    XCTAssertEqual(detector.resetCount, 2)
    let changes = feed(&gate, from: 20, count: 10) { _ in self.frame }
    XCTAssertEqual(changes.map(\.seconds), [22.25])
  }

  func testSingleFrameAboveThresholdDoesNotStartMotion() {
    // After warm-up (8 frames = 2 s): isolated spikes, then alternating, then two in a row.
    let script: [Double] =
      Array(repeating: 0, count: 8) + [50, 0, 0, 50, 0, 50, 0, 50, 0, 0, 3, 3, 0]
    var gate = MotionGate(settings: settings(), detector: ScriptedDetector(script))
    gate.restart(at: 0)
    let changes = feed(&gate, from: 0, count: script.count) { _ in self.frame }
    // The only start is the second 3% frame: index 19, at 4.75 s.
    XCTAssertEqual(changes.map(\.change), [.started])
    XCTAssertEqual(changes.map(\.seconds), [4.75])
  }

  func testChangesBelowMinimumAreaNeverStartMotion() {
    var gate = MotionGate(
      settings: settings(minAreaPercent: 5), detector: ScriptedDetector([4.9]))
    gate.restart(at: 0)
    XCTAssertTrue(feed(&gate, from: 0, count: 40) { _ in self.frame }.isEmpty)
    XCTAssertEqual(gate.lastResult.changedPercent, 4.9)
  }

  func testMotionStopsAfterQuietTime() {
    // Active from frame 8 to 13 (2.0 to 3.25 s), quiet after: stops 1 s after the last active frame.
    let script: [Double] = Array(repeating: 0, count: 8) + Array(repeating: 10, count: 6) + [0]
    var gate = MotionGate(settings: settings(fps: 4), detector: ScriptedDetector(script))
    gate.restart(at: 0)
    XCTAssertEqual(gate.quietSeconds, 1)
    let changes = feed(&gate, from: 0, count: 30) { _ in self.frame }
    XCTAssertEqual(changes.map(\.change), [.started, .stopped])
    XCTAssertEqual(changes.map(\.seconds), [2.25, 4.25])
    XCTAssertFalse(gate.isMotion)
  }

  func testQuietTimeIsTwoFramesAtLowRates() {
    // At 0.5 fps two frames last 4 s, longer than the 1 s floor.
    let script: [Double] = [0, 10, 10, 0, 0, 0]
    var gate = MotionGate(
      settings: settings(fps: 0.5, warmupSeconds: 1), detector: ScriptedDetector(script))
    gate.restart(at: 0)
    XCTAssertEqual(gate.quietSeconds, 4)
    let changes = feed(&gate, from: 0, count: 6) { _ in self.frame }
    // Frames at 0, 2, 4, 6, 8, 10 s: active at 2 and 4, started at 4, stopped at 8.
    XCTAssertEqual(changes.map(\.seconds), [4, 8])
    XCTAssertEqual(changes.map(\.change), [.started, .stopped])
  }

  func testAFrameAboveThresholdDuringQuietTimeKeepsMotionOn() {
    let script: [Double] = Array(repeating: 0, count: 8) + [10, 10, 0, 0, 10, 0, 0, 0, 0, 0]
    var gate = MotionGate(settings: settings(fps: 4), detector: ScriptedDetector(script))
    gate.restart(at: 0)
    let changes = feed(&gate, from: 0, count: script.count) { _ in self.frame }
    // Last active frame is index 12 (3.0 s): stopped at 4.0 s, not 1 s after the start.
    XCTAssertEqual(changes.map(\.seconds), [2.25, 4.0])
  }

  func testFrameRateCapIsHonoured() {
    for (fps, expectedFrames) in [(5.0, 50), (4.0, 40), (1.0, 10), (12.5, 125)] {
      var gate = MotionGate(settings: settings(fps: fps), detector: ScriptedDetector([0]))
      gate.restart(at: 0)
      var random = TestRandom(seed: 7)
      var analysed = 0
      // 10 s of a 25 fps source whose timestamps jitter by up to +-4 ms.
      for index in 0..<250 {
        let jitterSeconds = Double(Int(random.next() % 9) - 4) / 1000
        let seconds = max(0, Double(index) / 25 + jitterSeconds)
        if gate.wantsFrame(at: seconds) {
          _ = gate.analyse(frame, at: seconds)
          analysed += 1
        }
      }
      XCTAssertEqual(Double(analysed), Double(expectedFrames), accuracy: 1, "fps \(fps)")
    }
  }

  func testZeroFpsMeansEveryFrame() {
    var gate = MotionGate(settings: settings(fps: 0), detector: ScriptedDetector([0]))
    gate.restart(at: 0)
    var analysed = 0
    for index in 0..<100 where gate.wantsFrame(at: Double(index) / 25) {
      _ = gate.analyse(frame, at: Double(index) / 25)
      analysed += 1
    }
    XCTAssertEqual(analysed, 100)
    XCTAssertEqual(gate.quietSeconds, 1)
  }

  func testFrameSizeChangeResetsDetectorAndStopsMotion() {
    let detector = ScriptedDetector([100])
    var gate = MotionGate(settings: settings(warmupSeconds: 1), detector: detector)
    gate.restart(at: 0)
    XCTAssertEqual(feed(&gate, from: 0, count: 8) { _ in self.frame }.map(\.change), [.started])

    let smaller = SyntheticScene.flat(level: 50, width: 160, height: 90)
    XCTAssertEqual(gate.analyse(smaller, at: 2), .stopped)
    XCTAssertFalse(gate.isMotion)
    XCTAssertEqual(detector.resetCount, 2)
    // A new warm-up started at 2 s: motion again only from 3.25 s.
    let changes = feed(&gate, from: 2.25, count: 8) { _ in smaller }
    XCTAssertEqual(changes.map(\.seconds), [3.25])
  }

  func testAnalyseWithoutRestartStartsTheWarmupAtTheFirstFrame() {
    var gate = MotionGate(settings: settings(warmupSeconds: 1), detector: ScriptedDetector([100]))
    let changes = feed(&gate, from: 5, count: 8) { _ in self.frame }
    XCTAssertEqual(changes.map(\.seconds), [6.25])
  }
}
