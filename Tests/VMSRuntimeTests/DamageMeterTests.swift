import XCTest

@testable import VMSRuntime

/// "video damaged: N bad frames in 10 s": said from the third bad frame in a 10 s window, kept while
/// any remain in the window, cleared once a whole window is clean.
final class DamageMeterTests: XCTestCase {
  func testReportsFromThreeBadFramesAndClearsAfterACleanWindow() throws {
    var meter = DamageMeter()
    XCTAssertNil(meter.record(badFrames: 0, at: 100.0), "clean video says nothing")
    XCTAssertNil(meter.record(badFrames: 2, at: 100.5), "two glitches are not news")
    let reported = try XCTUnwrap(meter.record(badFrames: 1, at: 101.2))
    XCTAssertEqual(
      reported,
      "video damaged: 3 bad frames in 10 s; check the cable or network to the camera, and its bitrate"
    )
    // Within the same second the count does not churn the status.
    XCTAssertNil(meter.record(badFrames: 4, at: 101.9))
    XCTAssertEqual(meter.badFramesInWindow, 7)
    // The next second updates the count.
    XCTAssertEqual(
      meter.record(badFrames: 0, at: 102.1)??.hasPrefix("video damaged: 7 bad frames"), true)
    // Still damaged while bad frames remain in the window (100..109 holds the frames of 100 and 101).
    XCTAssertNil(meter.record(badFrames: 0, at: 109.5))
    XCTAssertEqual(
      meter.record(badFrames: 0, at: 110.1)??.hasPrefix("video damaged: 5 bad frames"), true)
    // A clean window clears it, once.
    XCTAssertEqual(meter.record(badFrames: 0, at: 111.0), .some(nil))
    XCTAssertNil(meter.message)
    XCTAssertNil(meter.record(badFrames: 0, at: 112.0))
  }

  func testALongGapEmptiesTheWindowAndResetForgets() throws {
    var meter = DamageMeter()
    _ = meter.record(badFrames: 5, at: 10)
    XCTAssertNotNil(meter.message)
    XCTAssertEqual(meter.record(badFrames: 0, at: 60), .some(nil), "nothing bad for 50 s")
    _ = meter.record(badFrames: 5, at: 61)
    meter.reset()
    XCTAssertNil(meter.message)
    XCTAssertEqual(meter.badFramesInWindow, 0)
  }
}
