import VMSMedia
import XCTest

@testable import VMSRuntime

/// The pre-roll never reaches back into the previous clip: a camera's clips do not overlap.
final class PacketRingTests: XCTestCase {
  private func packet(_ seconds: Double, key: Bool) -> MediaPacket {
    MediaPacket(
      streamIndex: 0, data: [1], pts: Int64(seconds * 1000), dts: Int64(seconds * 1000),
      duration: 100,
      isKeyframe: key, receivedAtMs: Int64(seconds * 1000))
  }

  func testPrerollStartsAtAKeyframeAndNeverBeforeThePreviousClipsEnd() {
    var ring = PacketRing()
    // 10 fps, a keyframe every second, 10 s.
    for tenth in 0..<100 {
      let seconds = Double(tenth) / 10
      ring.append(packet(seconds, key: tenth % 10 == 0), videoSeconds: seconds, keepSeconds: 6)
    }
    XCTAssertEqual(
      ring.packets(fromKeyframeAtOrBefore: 5.5).first?.dts, 5_000, "the keyframe at or before")
    XCTAssertEqual(
      ring.packets(fromKeyframeAtOrBefore: 0).first?.dts, 3_000, "the oldest kept keyframe")
    // The previous clip ended at 6.2 s: the pre-roll starts at the first keyframe after it.
    XCTAssertEqual(ring.packets(fromKeyframeAtOrBefore: 5.5, after: 6.2).first?.dts, 7_000)
    XCTAssertEqual(ring.packets(fromKeyframeAtOrBefore: 5.5, after: 4.0).first?.dts, 5_000)
    // It ended on the newest packet: nothing until the next keyframe arrives.
    XCTAssertTrue(ring.packets(fromKeyframeAtOrBefore: 9.5, after: 9.9).isEmpty)
  }
}
