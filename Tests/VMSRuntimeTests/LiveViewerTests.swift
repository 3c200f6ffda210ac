// A live viewer's timeline and queue: what keeps a browser's player from freezing (decode times that
// never jump) and a slow viewer from costing anyone else anything (a byte budget, a skip to the next
// keyframe, told to the player).
import VMSMedia
import XCTest

@testable import VMSRuntime

final class LiveViewerTests: XCTestCase {
  /// 90 kHz camera timestamps into a 90 kHz track, 25 fps.
  var timeline = LiveTimeline(
    timescale: 90_000, inputTimeBase: Rational(1, 90_000), frameRate: Rational(25, 1))

  func testEachSampleStartsWhereThePreviousOneEnded() {
    var placements: [LiveTimeline.Placement] = []
    // 3 frames at 25 fps, then one lost (a gap of 2 frames), then a jitter of 1 ms.
    for dts: Int64 in [900_000, 903_600, 907_200, 914_400, 918_090] {
      placements.append(timeline.place(dts: dts, pts: dts))
    }
    XCTAssertEqual(placements.map(\.baseDecodeTicks), [0, 3600, 7200, 10_800, 18_000])
    XCTAssertEqual(placements.map(\.durationTicks), [3600, 3600, 3600, 7200, 3690])
    for (a, b) in zip(placements, placements.dropFirst()) {
      XCTAssertEqual(a.baseDecodeTicks + UInt64(a.durationTicks), b.baseDecodeTicks)
    }
  }

  func testAnOutageOrASkipIsCollapsedToOneSecondAndTimestampsGoingBackToOneMillisecond() {
    _ = timeline.place(dts: 0, pts: 0)
    let afterOutage = timeline.place(dts: 90_000 * 30, pts: 90_000 * 30)
    XCTAssertEqual(afterOutage.durationTicks, 90_000)
    let backwards = timeline.place(dts: 90_000 * 29, pts: 90_000 * 29)
    XCTAssertEqual(backwards.durationTicks, 90)
    XCTAssertEqual(backwards.baseDecodeTicks, 3600 + 90_000)
  }

  func testBFramesKeepTheirCompositionOffsetInTheTracksTimescale() {
    var ms = LiveTimeline(
      timescale: 1000, inputTimeBase: Rational(1, 90_000), frameRate: Rational(25, 1))
    let frame = ms.place(dts: 0, pts: 7200)
    XCTAssertEqual(frame.durationTicks, 40)
    XCTAssertEqual(frame.compositionOffsetTicks, 80)
    // A camera that sends pts before dts (broken) is shown at its decode time, never earlier.
    XCTAssertEqual(ms.place(dts: 3600, pts: 0).compositionOffsetTicks, 0)
  }

  func testAudioFollowsTheViewersVideoTimelineWithoutGapsAndJumpsOnlyWithIt() {
    // 16 kHz AAC in a 16 kHz track: 1024 ticks a frame (64 ms); camera audio time base 1/16000.
    var audio = LiveAudioTimeline(
      timescale: 16_000, inputTimeBase: Rational(1, 16_000), sampleRate: 16_000)
    XCTAssertNil(audio.place(pts: 0), "nothing before the viewer's first video sample")
    // The viewer's video starts at camera second 100 (its track second 0).
    audio.anchor(cameraSeconds: 100, trackSeconds: 0)
    let first = audio.place(pts: 100 * 16_000 + 800)
    XCTAssertEqual(first, 800)
    // A frame 10 ms late on the camera's clock still follows the previous one without a gap.
    XCTAssertEqual(audio.place(pts: 100 * 16_000 + 800 + 1024 + 160), 800 + 1024)
    // The video skipped 3 s (its timeline moved 3 s ahead): audio jumps with it.
    audio.anchor(cameraSeconds: 104, trackSeconds: 4)
    XCTAssertEqual(audio.place(pts: 104 * 16_000), 4 * 16_000)
    // The video collapsed an outage: audio still from before it is left out, not overlapped.
    audio.anchor(cameraSeconds: 200, trackSeconds: 5)
    XCTAssertNil(audio.place(pts: 104 * 16_000 + 1024))
    XCTAssertEqual(audio.place(pts: 200 * 16_000), 5 * 16_000)
  }

  private func fragment(_ size: Int) -> LiveFragment {
    LiveFragment(moof: [], mdat: [UInt8](repeating: 7, count: size))
  }

  func testAViewerThatKeepsUpGetsEveryFragmentInOrder() {
    var queue = LiveViewerQueue(budgetBytes: 10_000)
    for n in 0..<100 {
      XCTAssertTrue(queue.offer(fragment(1000 + n), isKeyframe: n % 25 == 0))
      guard case .fragment(let bytes, _)? = queue.take() else { return XCTFail() }
      XCTAssertEqual(bytes.count, 1000 + n)
      queue.acknowledge(totalBytes: queue.sentBytes)
    }
    XCTAssertEqual(queue.skips, 0)
    XCTAssertEqual(queue.bytesInFlight, 0)
  }

  func testASlowViewerSkipsToTheNextKeyframeOnceItHasCaughtUpAndIsToldHowManyFramesItMissed() {
    var queue = LiveViewerQueue(budgetBytes: 10_000)
    // The player takes what is sent but acknowledges nothing: its decoder is stuck.
    var delivered = 0
    var texts: [LiveViewerQueue.Item] = []
    for n in 0..<12 {
      if queue.offer(fragment(1000), isKeyframe: n == 0) { delivered += 1 }
      if let item = queue.take(), case .text = item { texts.append(item) }
    }
    XCTAssertEqual(texts, [.text(#"{"type":"behind","skips":1}"#)], "told at once it is behind")
    XCTAssertEqual(delivered, 10, "10 kB in flight is the budget")
    XCTAssertEqual(queue.skips, 1)
    XCTAssertTrue(queue.waitingForKeyframe)
    XCTAssertLessThanOrEqual(queue.bytesInFlight, 10_000)
    // A keyframe while the player is still behind is not enough.
    XCTAssertFalse(queue.offer(fragment(1000), isKeyframe: true))
    // The player catches up; frames in between are still dropped until a keyframe.
    queue.acknowledge(totalBytes: 10_000)
    XCTAssertFalse(queue.offer(fragment(1000), isKeyframe: false))
    XCTAssertTrue(queue.offer(fragment(1000), isKeyframe: true))
    XCTAssertEqual(queue.take(), .text(#"{"type":"skip","frames":4,"skips":1}"#))
    guard case .fragment(_, let isKeyframe)? = queue.take() else { return XCTFail() }
    XCTAssertTrue(isKeyframe, "after a skip the player gets a keyframe first")
  }

  func testQueuedFragmentsAreDroppedWhenTheViewerFallsBehindButTextMessagesStay() {
    var queue = LiveViewerQueue(budgetBytes: 5000)
    queue.say(#"{"type":"stream"}"#)
    for n in 0..<6 { queue.offer(fragment(1000), isKeyframe: n == 0) }
    XCTAssertEqual(
      queue.items, [.text(#"{"type":"stream"}"#), .text(#"{"type":"behind","skips":1}"#)])
    XCTAssertEqual(queue.queuedBytes, 0)
    XCTAssertEqual(queue.framesMissed, 6)
  }
}
