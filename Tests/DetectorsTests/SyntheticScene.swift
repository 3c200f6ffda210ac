// Synthetic test footage: a static textured background with a little pixel noise, and a square that
// crosses it during a known range of frames. Deterministic (own generator), so failures reproduce.
import Detectors

struct SyntheticScene {
  static let width = 320
  static let height = 180
  static let squareSizePixels = 32
  static let squareTopPixels = 70
  static let squareStepPixels = 10

  /// Frames during which the square is visible.
  var movingFrames: Range<Int>
  /// Gray level of the square: bright (230) or dark (10) against a background of 40 to 163.
  var squareLevel: UInt8
  /// Noise amplitude, +- levels, like a quiet encoder.
  var noiseLevels = 2
  /// Brightness added to the first frames, falling to 0 by this many levels a frame: a camera's
  /// exposure settling right after a (re)connection.
  var settlingLevels: [Int] = []

  /// Where the square is in frame `index`, or nil when it is not in the picture.
  func square(at index: Int) -> MotionRegion? {
    guard movingFrames.contains(index) else { return nil }
    let x = 20 + (index - movingFrames.lowerBound) * Self.squareStepPixels
    return MotionRegion(
      x: x, y: Self.squareTopPixels, width: Self.squareSizePixels, height: Self.squareSizePixels)
  }

  func frame(_ index: Int) -> GrayFrame {
    let width = Self.width
    var random = TestRandom(seed: UInt64(index) &+ 1)
    var pixels = [UInt8](repeating: 0, count: width * Self.height)
    let exposure = index < settlingLevels.count ? settlingLevels[index] : 0
    for y in 0..<Self.height {
      for x in 0..<width {
        // Gradient stripes plus a 20-pixel checkerboard: texture, so the detectors see edges.
        let checker = ((x / 20 + y / 20) % 2) * 60
        let base = 40 + (x * 7 + y * 13) % 64 + checker + exposure
        let noise = Int(random.next() % UInt64(2 * noiseLevels + 1)) - noiseLevels
        pixels[y * width + x] = UInt8(clamping: base + noise)
      }
    }
    if let square = square(at: index) {
      for y in square.y..<(square.y + square.height) {
        for x in square.x..<min(square.x + square.width, width) {
          pixels[y * width + x] = squareLevel
        }
      }
    }
    return GrayFrame(width: width, height: Self.height, pixels: pixels)
  }

  /// A uniform frame, for tests that only need a size or a brightness.
  static func flat(level: UInt8, width: Int = width, height: Int = height) -> GrayFrame {
    GrayFrame(
      width: width, height: height, pixels: [UInt8](repeating: level, count: width * height))
  }
}

/// A small deterministic generator (SplitMix64), so tests do not depend on the system's.
struct TestRandom {
  var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

extension MotionRegion {
  func contains(x pointX: Int, y pointY: Int) -> Bool {
    pointX >= x && pointX < x + width && pointY >= y && pointY < y + height
  }
}

/// A detector that returns scripted percentages, to test the gate's policy exactly.
final class ScriptedDetector: MotionDetector {
  /// Returned for frame n after the last reset; the last value repeats.
  var script: [Double]
  private(set) var resetCount = 0
  private(set) var framesSinceReset = 0
  private(set) var framesAnalysed = 0

  init(_ script: [Double]) { self.script = script }

  func analyse(_ frame: GrayFrame) -> MotionResult {
    defer {
      framesSinceReset += 1
      framesAnalysed += 1
    }
    let percent = script.isEmpty ? 0 : script[min(framesSinceReset, script.count - 1)]
    return MotionResult(changedPercent: percent)
  }

  func reset() {
    resetCount += 1
    framesSinceReset = 0
  }
}

/// Wraps a real detector and keeps its raw results, to look behind the gate.
final class RecordingDetector: MotionDetector {
  let inner: any MotionDetector
  private(set) var results: [MotionResult] = []
  private(set) var resetCount = 0

  init(_ inner: any MotionDetector) { self.inner = inner }

  func analyse(_ frame: GrayFrame) -> MotionResult {
    let result = inner.analyse(frame)
    results.append(result)
    return result
  }

  func reset() {
    resetCount += 1
    inner.reset()
  }
}
