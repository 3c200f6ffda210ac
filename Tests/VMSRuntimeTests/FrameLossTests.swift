import XCTest

@testable import VMSRuntime

/// Frames that never arrived are found from the gaps in the camera's timestamps, and a camera that
/// changes its frame rate is not taken for a lossy one.
final class FrameLossTests: XCTestCase {
  private let step: Int64 = 9_000  // 10 fps in a 90 kHz time base
  private let frameNanos: UInt64 = 100_000_000

  func testGapsCountTheFramesInBetween() {
    var loss = FrameLoss()
    var dts: Int64 = 0
    var now: UInt64 = 0
    var missing = 0
    func frame(after steps: Int64 = 1) {
      dts += step * steps
      now += frameNanos * UInt64(steps)
      missing += loss.frame(dts: dts, atNanos: now).missing
    }
    for _ in 0..<20 { frame() }
    XCTAssertEqual(missing, 0, "a steady stream loses nothing")
    frame(after: 4)  // three frames lost
    XCTAssertEqual(missing, 3)
    for _ in 0..<5 { frame() }
    frame(after: 2)
    XCTAssertEqual(missing, 4)
    // The camera's clock jumps an hour ahead: a resync, not 36 000 lost frames.
    frame(after: 36_000)
    XCTAssertEqual(missing, 4)
    frame()
    XCTAssertEqual(missing, 4)
  }

  func testARateChangeIsNotLoss() {
    var loss = FrameLoss()
    var dts: Int64 = 0
    var missing = 0
    for i in 0..<30 {
      dts += step
      missing += loss.frame(dts: dts, atNanos: UInt64(i) * frameNanos).missing
    }
    // The camera halves its frame rate (night mode): a few frames are judged missing, then none.
    var lateMissing = 0
    for i in 0..<60 {
      dts += step * 2
      let found = loss.frame(dts: dts, atNanos: UInt64(30 + i * 2) * frameNanos).missing
      if i < 20 { missing += found } else { lateMissing += found }
    }
    XCTAssertLessThanOrEqual(missing, 20, "the median follows a lasting change")
    XCTAssertEqual(lateMissing, 0, "once followed, the new rate loses nothing")
  }

  func testAMinuteSummaryWithTheShareLost() throws {
    var loss = FrameLoss()
    var dts: Int64 = 0
    var summary: FrameLoss.Minute?
    var now: UInt64 = 0
    for i in 0..<700 {  // 70 s at 10 fps, every 20th frame lost from the 10th second
      dts += step
      now += frameNanos
      if i > 100 && i % 20 == 0 { continue }
      if let minute = loss.frame(dts: dts, atNanos: now).minute, summary == nil { summary = minute }
    }
    let minute = try XCTUnwrap(summary, "no summary after a minute")
    XCTAssertEqual(minute.expected, 599, accuracy: 2)
    XCTAssertEqual(minute.missing, 25, accuracy: 1)
    XCTAssertEqual(minute.share, 25.0 / 600, accuracy: 0.005)
    loss.reset()
    XCTAssertNil(loss.frame(dts: 0, atNanos: now).minute)
  }
}
