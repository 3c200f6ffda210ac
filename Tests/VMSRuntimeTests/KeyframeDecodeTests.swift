// `detector.decode: keyframes` through the engine's seams: real compressed video (SyntheticVideo,
// 10 fps, a keyframe every second) read from a scripted source into the real motion analyzer and
// detector, on a clock the packets move. What a user relies on: only keyframes are decoded while
// nobody watches and nothing moves, motion is still seen and dated no later than where it began,
// and a live viewer gets every frame.
import Detectors
import Foundation
import Logging
import TestSupport
import VMSConfig
import VMSMedia
import XCTest

@testable import VMSRuntime

final class KeyframeDecodeTests: XCTestCase {
  static let wallStartMs: Int64 = 1_795_608_000_000
  let clock = ManualClock()
  lazy var hub = runningHub()

  private func settings(_ decode: DecodeMode) -> DetectorSettings {
    DetectorSettings(type: "framediff", fps: 5, warmupSeconds: 1, decode: decode)
  }

  /// Clock seconds at which the analyzer first reported motion, in the last `play`.
  private var noticedAtSeconds: Double?

  /// Plays `steps` of `video` through a motion analyzer, as the stream reader does, to the end.
  private func play(
    _ video: SyntheticVideo, _ steps: [ScriptStep], decode: DecodeMode, live: LiveFeed? = nil,
    tap: RecorderTap
  ) -> MotionAnalyzer {
    noticedAtSeconds = nil
    let layout = video.layout()
    let analyzer = MotionAnalyzer(
      cameraId: "yard", settings: settings(decode), registry: .builtIn, hub: hub,
      recorder: tap.input, live: live, sharesRecordClock: false, role: .detect,
      clock: EngineClock(clock, wallMsAtStart: Self.wallStartMs), log: Logger(label: "test"))
    let source = ScriptedSource(
      layout: layout, steps: steps, clock: clock, interrupt: InterruptState())
    analyzer.connected(layout)
    while let packet = try? source.read() {
      analyzer.handle(packet)
      if analyzer.isMotion, noticedAtSeconds == nil { noticedAtSeconds = clock.seconds }
    }
    return analyzer
  }

  private func motion(_ tap: RecorderTap, count: Int) async -> [(on: Bool, atWallMs: Int64)] {
    let deadline = ContinuousClock.now + .seconds(5)
    while tap.motion.count < count, ContinuousClock.now < deadline {
      try? await Task.sleep(for: .milliseconds(5))
    }
    return tap.motion
  }

  private func wallSeconds(_ ms: Int64) -> Double { Double(ms - Self.wallStartMs) / 1000 }

  func testOnlyKeyframesAreDecodedWhileNothingMovesAndNobodyWatches() {
    let video = SyntheticVideo()
    let tap = RecorderTap()
    let keyframes = play(
      video, video.steps(seconds: 10, moving: false), decode: .keyframes, tap: tap)
    // 100 frames, one keyframe a second.
    XCTAssertEqual(keyframes.decodedFrames, 10)
    let all = play(video, video.steps(seconds: 10, moving: false), decode: .all, tap: tap)
    XCTAssertEqual(all.decodedFrames, 100)
  }

  func testMotionIsNoticedOnTheFirstKeyframeShowingItAndDatedFromTheOneBefore() async {
    let video = SyntheticVideo()
    let tap = RecorderTap()
    // The square moves from the frame at 4.1 s (a keyframe) to the one at 7.0 s.
    let steps =
      video.steps(seconds: 4, moving: false) + video.steps(seconds: 3, moving: true)
      + video.steps(seconds: 6, moving: false)
    _ = play(video, steps, decode: .keyframes, tap: tap)
    let motion = await motion(tap, count: 2)
    XCTAssertEqual(motion.map(\.on), [true, false], "one motion window, nothing while still")
    guard motion.count == 2 else { return }
    // Noticed on the keyframe at 4.1 s, the first to show it (one keyframe a second spans the two
    // frames at 5 fps that confirm motion), and dated from the keyframe before, 3.1 s: at most
    // one GOP before the onset (4.0 to 4.1 s), so the pre-roll holds the onset.
    XCTAssertEqual(noticedAtSeconds ?? 0, 4.1, accuracy: 0.05)
    XCTAssertEqual(wallSeconds(motion[0].atWallMs), 3.1, accuracy: 0.05)
    // It ends with the last keyframe that moved, 7.1 s (the square moved until 7.0 s).
    XCTAssertEqual(wallSeconds(motion[1].atWallMs), 7.1, accuracy: 0.05)
  }

  func testWithBFramesAKeyframeIsAnalysedWhenItArrivesNotAGOPLater() async {
    // A camera whose detect stream has B-frames: its decoder reorders, and would hold a lone
    // keyframe's picture until the next keyframe pushed it out, one GOP late.
    let video = SyntheticVideo(codec: .h264, bFrames: 2)
    let tap = RecorderTap()
    let steps =
      video.steps(seconds: 4, moving: false) + video.steps(seconds: 3, moving: true)
      + video.steps(seconds: 6, moving: false)
    let analyzer = play(video, steps, decode: .keyframes, tap: tap)
    let motion = await motion(tap, count: 2)
    XCTAssertEqual(motion.map(\.on), [true, false], "one motion window, nothing while still")
    // The keyframe of 4.0 s (closed GOPs: coded after every frame before it) arrives at 4.1 s and
    // is the first to show the square; it must be seen then, not at 5.1 s.
    XCTAssertEqual(noticedAtSeconds ?? 0, 4.1, accuracy: 0.05)
    XCTAssertEqual(analyzer.decodedFrames, 13, "one picture per keyframe, each decoded once")
  }

  func testAViewerGetsEveryFrameDecodedFromTheNextKeyframe() {
    let video = SyntheticVideo()
    let tap = RecorderTap()
    let live = LiveFeed()
    live.configure(fps: 10, width: 320, showDetection: false)
    let viewer = live.subscribe()
    let analyzer = play(
      video, video.steps(seconds: 10, moving: false), decode: .keyframes, live: live, tap: tap)
    XCTAssertEqual(analyzer.decodedFrames, 100)
    _ = viewer
  }

  func testTheCameraStatusSaysWhichModeRunsAndTheMeasuredGOP() async {
    let video = SyntheticVideo(gopSeconds: 2)
    let tap = RecorderTap()
    hub.post(.added(cameraId: "yard", name: "Yard", enabled: true, roles: [.detect]))
    _ = play(video, video.steps(seconds: 7, moving: false), decode: .keyframes, tap: tap)
    let statuses = await settled(hub) { $0.first?.detectDecode?.gopSeconds != nil }
    XCTAssertEqual(
      statuses.first?.detectDecode,
      DetectDecodeStatus(mode: "keyframes", now: "keyframes", gopSeconds: 2))
  }
}
