import XCTest

@testable import VMSRuntime

/// The live view runs at its `fps` cap whatever the camera's rate and its jitter (checked while
/// looking for why MJPEG viewers got 3 to 5 fps of a 10 fps cap under load: the pacing is not it).
final class LiveFeedPacingTests: XCTestCase {
  /// Frames taken per second over `seconds` from a camera at `cameraFps` with +-`jitter` s.
  private func takenPerSecond(
    cameraFps: Double, capFps: Double, jitter: Double, seconds: Double = 20
  ) -> Double {
    let feed = LiveFeed()
    feed.configure(fps: capFps, width: 640, showDetection: false)
    let viewer = feed.subscribe()
    defer { _ = viewer }
    var generator = SystemRandomNumberGenerator()
    var taken = 0
    let frames = Int(seconds * cameraFps)
    for i in 0..<frames {
      let t = 100 + Double(i) / cameraFps + Double.random(in: -jitter...jitter, using: &generator)
      if feed.wantsFrame(atSeconds: t) { taken += 1 }
    }
    return Double(taken) / seconds
  }

  func testTheCapIsMetDespiteJitter() {
    XCTAssertEqual(takenPerSecond(cameraFps: 10, capFps: 10, jitter: 0.005), 10, accuracy: 0.6)
    XCTAssertEqual(takenPerSecond(cameraFps: 15, capFps: 10, jitter: 0.005), 10, accuracy: 1.0)
    XCTAssertEqual(takenPerSecond(cameraFps: 25, capFps: 10, jitter: 0.01), 10, accuracy: 1.0)
    XCTAssertEqual(
      takenPerSecond(cameraFps: 5, capFps: 10, jitter: 0.01), 5, accuracy: 0.3,
      "never more than the camera")
  }

  func testNothingIsEncodedWhileNobodyWatches() {
    let feed = LiveFeed()
    XCTAssertFalse(feed.wantsFrame(atSeconds: 1))
  }
}
