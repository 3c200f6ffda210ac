// The shipped detectors on synthetic footage: motion while the square moves, none on the static scene,
// and regions where the square is. Thresholds are well inside what the scene produces (the square is
// 1.8% of the frame), so a real regression fails and noise does not.
import Detectors
import XCTest

final class DetectorAccuracyTests: XCTestCase {
  static let movingFrames = 30..<55
  static let frameCount = 90

  /// Runs `detector` over the scene and returns one result per frame.
  private func run(_ detector: any MotionDetector, scene: SyntheticScene) -> [MotionResult] {
    (0..<Self.frameCount).map { detector.analyse(scene.frame($0)) }
  }

  private func assertMotionOnlyWhileMoving(
    _ results: [MotionResult], scene: SyntheticScene, stillFrames: [Int], movingFrames: Range<Int>,
    name: String
  ) {
    for index in stillFrames {
      XCTAssertLessThan(
        results[index].changedPercent, 0.1, "\(name): frame \(index) is static but reported motion")
    }
    for index in movingFrames {
      let result = results[index]
      XCTAssertGreaterThanOrEqual(
        result.changedPercent, 0.5, "\(name): frame \(index) has a moving square but little change")
      // The square's front edge (its right-hand column) has moved in every frame, for either method.
      let square = scene.square(at: index)!
      let frontX = square.x + square.width - 2
      let frontY = square.y + square.height / 2
      XCTAssertTrue(
        result.regions.contains { $0.contains(x: frontX, y: frontY) },
        "\(name): frame \(index): no region covers the square's front edge: \(result.regions)")
    }
  }

  func testMOG2SeesBrightAndDarkSquaresAndNothingElse() {
    for level: UInt8 in [230, 10] {
      let scene = SyntheticScene(movingFrames: Self.movingFrames, squareLevel: level)
      let results = run(MOG2Detector(), scene: scene)
      // A fresh model calls its first frame foreground: the reason for MotionGate's warm-up.
      XCTAssertGreaterThan(results[0].changedPercent, 90)
      // The model needs a few frames to learn the background; after that the static scene is quiet,
      // including right after the square leaves (no ghost where it was).
      assertMotionOnlyWhileMoving(
        results, scene: scene, stillFrames: Array(10..<30) + Array(55..<90),
        movingFrames: 31..<55, name: "mog2 level \(level)")
    }
  }

  func testFrameDiffSeesBrightAndDarkSquaresAndNothingElse() {
    for level: UInt8 in [230, 10] {
      let scene = SyntheticScene(movingFrames: Self.movingFrames, squareLevel: level)
      let results = run(FrameDiffDetector(), scene: scene)
      XCTAssertEqual(results[0], .still, "the first frame has nothing to compare with")
      // Frame 55 differs from 54 (the square vanished): a real change, so not in the static set.
      assertMotionOnlyWhileMoving(
        results, scene: scene, stillFrames: Array(1..<30) + Array(56..<90),
        movingFrames: 31..<55, name: "framediff level \(level)")
    }
  }

  func testFrameDiffThresholdOptionIsApplied() {
    // A 20-level step everywhere: above a threshold of 10, below the default of 25.
    let dark = SyntheticScene.flat(level: 100)
    let light = SyntheticScene.flat(level: 120)
    let sensitive = FrameDiffDetector(threshold: 10)
    _ = sensitive.analyse(dark)
    XCTAssertEqual(sensitive.analyse(light).changedPercent, 100, accuracy: 0.001)
    XCTAssertEqual(sensitive.analyse(light).changedPercent, 0)
    let normal = FrameDiffDetector()
    _ = normal.analyse(dark)
    XCTAssertEqual(normal.analyse(light).changedPercent, 0)
  }

  func testFrameDiffHandlesSizesThatAreNotMultiplesOfTheCell() {
    // 37x21: partial cells on the right and at the bottom go through the scalar path.
    let detector = FrameDiffDetector()
    _ = detector.analyse(SyntheticScene.flat(level: 0, width: 37, height: 21))
    let result = detector.analyse(SyntheticScene.flat(level: 200, width: 37, height: 21))
    XCTAssertEqual(result.changedPercent, 100, accuracy: 0.001)
    XCTAssertEqual(result.regions, [MotionRegion(x: 0, y: 0, width: 37, height: 21)])
  }

  func testFrameDiffResetForgetsThePreviousFrame() {
    let detector = FrameDiffDetector()
    _ = detector.analyse(SyntheticScene.flat(level: 0))
    detector.reset()
    XCTAssertEqual(detector.analyse(SyntheticScene.flat(level: 200)), .still)
    XCTAssertEqual(
      detector.analyse(SyntheticScene.flat(level: 0)).changedPercent, 100, accuracy: 0.001)
  }

  func testFrameDiffIgnoresScatteredNoisePixels() {
    // One changed pixel in each of many cells: below the per-cell noise floor, so not motion.
    let width = SyntheticScene.width
    let before = SyntheticScene.flat(level: 100)
    var pixels = before.pixels
    for y in stride(from: 5, to: SyntheticScene.height, by: 16) {
      for x in stride(from: 5, to: width, by: 16) { pixels[y * width + x] = 255 }
    }
    let detector = FrameDiffDetector()
    _ = detector.analyse(before)
    XCTAssertEqual(
      detector.analyse(GrayFrame(width: width, height: SyntheticScene.height, pixels: pixels)),
      .still)
  }

  func testMOG2ResetRelearnsTheBackground() {
    let scene = SyntheticScene(movingFrames: 0..<0, squareLevel: 230)
    let detector = MOG2Detector(history: 100, varThreshold: 16)
    for index in 0..<15 { _ = detector.analyse(scene.frame(index)) }
    XCTAssertLessThan(detector.analyse(scene.frame(15)).changedPercent, 0.1)
    detector.reset()
    XCTAssertGreaterThan(detector.analyse(scene.frame(16)).changedPercent, 90)
    XCTAssertNil(detector.lastError)
  }

  func testMOG2RejectsABadFrameWithoutCrashing() {
    let detector = MOG2Detector()
    var frame = SyntheticScene.flat(level: 10)
    frame.pixels.removeLast()  // no longer width * height
    XCTAssertEqual(detector.analyse(frame), .still)
    // And it still works afterwards.
    XCTAssertGreaterThan(detector.analyse(SyntheticScene.flat(level: 10)).changedPercent, 90)
  }

  func testMOG2FailureOnTheCSideReportsNoMotion() {
    // history 0 is refused by the C side (the registry never passes it): no model, no crash.
    let detector = MOG2Detector(history: 0)
    XCTAssertEqual(detector.analyse(SyntheticScene.flat(level: 10)), .still)
    XCTAssertEqual(detector.lastError, "invalid argument")
  }

  func testNoneDetectorNeverSeesMotion() {
    let detector = NoneDetector()
    XCTAssertEqual(detector.analyse(SyntheticScene.flat(level: 0)), .still)
    XCTAssertEqual(detector.analyse(SyntheticScene.flat(level: 255)), .still)
  }
}
