// A whole camera through the engine's seams: real compressed video (SyntheticVideo) from a scripted
// source, decoded and analysed by the real detector, recorded by the real recorder into a real clip
// file and index row, on a clock the test moves. What a user would check: motion is reported where
// the picture moved, and the clip covers it with its pre- and post-roll and plays for that long.
import Detectors
import Foundation
import Logging
import Storage
import TestSupport
import VMSConfig
import VMSMedia
import XCTest

@testable import VMSRuntime

final class CameraPipelineTests: XCTestCase {
  static let wallStartMs: Int64 = 1_795_608_000_000
  let clock = ManualClock()
  lazy var hub = runningHub()
  let detector = DetectorSettings(type: "framediff", fps: 5, warmupSeconds: 1)

  /// 4 s still, 3 s of a moving square, 6 s still, then the camera goes silent.
  private func script(_ video: SyntheticVideo) -> [ScriptStep] {
    video.steps(seconds: 4, moving: false) + video.steps(seconds: 3, moving: true)
      + video.steps(seconds: 6, moving: false) + [.hang]
  }

  private func wallSeconds(_ ms: Int64) -> Double { Double(ms - Self.wallStartMs) / 1000 }

  func testMotionIsReportedFromWhereThePictureBeganToMoveToWhereItStopped() async {
    let video = SyntheticVideo()
    let camera = ScriptedOpener(clock: clock, [.connect(video.layout(), script(video))])
    let tap = RecorderTap()
    hub.post(.added(cameraId: "yard", name: "Yard", enabled: true, roles: [.detect]))
    let reader = StreamReader(
      cameraId: "yard", source: .init(url: "scripted://yard", transport: .tcp, role: .detect),
      hub: hub, recorder: tap.input, backlog: RecorderBacklog(), detector: detector,
      detectorMailbox: nil, live: nil, registry: .builtIn, sources: camera.opener,
      clock: EngineClock(clock, wallMsAtStart: Self.wallStartMs), log: Logger(label: "test"))
    let task = Task { await reader.run() }
    let ended = await drive(clock) { clock.seconds >= 13 && tap.motion.count >= 2 }
    task.cancel()
    await task.value
    XCTAssertTrue(ended, "motion seen: \(tap.motion)")

    let motion = tap.motion
    XCTAssertEqual(motion.map(\.on), [true, false], "one motion window, nothing while still")
    guard motion.count == 2 else { return }
    // The square first moves in the frame that arrives at 4.1 s; the detector looks at every
    // other frame (5 of 10 a second) and dates motion from the analysed frame before the first
    // moving one: 3.9 s. The last frame that differs from the one analysed before it arrives at
    // 7.1 s (the square moved between 6.9 and 7.0 s).
    XCTAssertEqual(wallSeconds(motion[0].atWallMs), 3.9, accuracy: 0.15)
    XCTAssertEqual(wallSeconds(motion[1].atWallMs), 7.1, accuracy: 0.15)
  }

  func testAMotionWindowBecomesOneClipWithItsPreAndPostRollThatPlaysForThatLong() async throws {
    let storage = try StorageFixture()
    let video = SyntheticVideo()
    let camera = ScriptedOpener(clock: clock, [.connect(video.layout(), script(video))])
    let settings = CameraSettings(
      id: "yard", recordURL: "scripted://yard", detector: detector,
      recording: RecordingSettings(
        preRollSeconds: 2, postRollSeconds: 2, minDurationSeconds: 0, maxDurationSeconds: 600))
    let yard = Camera(
      settings: settings, hub: hub, index: storage.index, live: LiveFeed(), registry: .builtIn,
      sources: camera.opener, clock: EngineClock(clock, wallMsAtStart: Self.wallStartMs),
      log: Logger(label: "test"))
    await yard.start()
    let closed = await drive(clock) {
      ((try? storage.index.clips(inState: .complete)) ?? []).count >= 1 && clock.seconds >= 13
    }
    await yard.stop()
    XCTAssertTrue(closed, "no clip was completed")

    let clips = try storage.index.clips(inState: .complete)
    XCTAssertEqual(clips.count, 1, "one motion window, one clip: \(clips)")
    XCTAssertEqual(try storage.index.clips(inState: .recording).count, 0)
    guard let clip = clips.first, let endMs = clip.endMs else { return }
    // Motion from 3.9 s to 7.1 s (see the test above). 2 s of pre-roll reach back to 1.9 s; the
    // clip starts at the keyframe at or before that: frame 10, which arrived at 1.1 s (frame n
    // arrives at (n + 1) / 10 s, a keyframe every 10 frames). 2 s of post-roll end at 9.1 s, and
    // the clip ends with the frame that spans it, at 9.2 s.
    XCTAssertEqual(wallSeconds(clip.startMs), 1.1, accuracy: 0.01)
    XCTAssertEqual(wallSeconds(endMs), 9.2, accuracy: 0.15)
    let probe = try MediaProbe.probe(path: storage.index.absolutePath(of: clip.file))
    XCTAssertEqual(probe.durationSeconds, Double(endMs - clip.startMs) / 1000, accuracy: 0.25)
    XCTAssertEqual(probe.width, 320)
    XCTAssertEqual(Double(clip.durationMs) / 1000, probe.durationSeconds, accuracy: 0.25)
  }

  // MARK: Motion events

  /// Runs the scripted camera under `recording` until its clips are complete and the script's
  /// silence has come, collecting the motion events the hub pushed meanwhile.
  private func recordEvents(_ recording: RecordingSettings, storage: StorageFixture) async
    -> [MotionEventRecord]
  {
    let video = SyntheticVideo()
    let camera = ScriptedOpener(clock: clock, [.connect(video.layout(), script(video))])
    let settings = CameraSettings(
      id: "yard", recordURL: "scripted://yard", detector: detector, recording: recording)
    let pushed = await hub.subscribe()
    let collector = Task {
      var events: [MotionEventRecord] = []
      for await case .motionEvent(let event) in pushed {
        events.append(event)
        if event.endMs != nil { break }
      }
      return events
    }
    let yard = Camera(
      settings: settings, hub: hub, index: storage.index, live: LiveFeed(), registry: .builtIn,
      sources: camera.opener, clock: EngineClock(clock, wallMsAtStart: Self.wallStartMs),
      log: Logger(label: "test"))
    await yard.start()
    let done = await drive(clock) {
      let closed = (try? storage.index.events(.init()))?.first?.endMs != nil
      return closed && clock.seconds >= 13
    }
    await yard.stop()
    XCTAssertTrue(done, "no motion event was closed")
    collector.cancel()
    return await collector.value
  }

  func testInEventsModeTheMotionWindowIsOneEventTiedToItsClipWithAThumbnailAtItsPeak()
    async throws
  {
    let storage = try StorageFixture()
    let pushed = await recordEvents(
      RecordingSettings(
        preRollSeconds: 2, postRollSeconds: 2, minDurationSeconds: 0, maxDurationSeconds: 600),
      storage: storage)

    let events = try storage.index.events(.init())
    XCTAssertEqual(events.count, 1, "one motion window, one event: \(events)")
    let clips = try storage.index.clips(inState: .complete)
    XCTAssertEqual(clips.count, 1)
    guard let event = events.first, let clip = clips.first, let endMs = event.endMs else { return }
    XCTAssertEqual(event.clipId, clip.id, "the event is its clip")
    XCTAssertEqual(clip.kind, .event)
    // Where the motion began and ended (see the first test): 3.9 s and 7.1 s.
    XCTAssertEqual(wallSeconds(event.startMs), 3.9, accuracy: 0.15)
    XCTAssertEqual(wallSeconds(endMs), 7.1, accuracy: 0.15)
    XCTAssertGreaterThanOrEqual(event.peakScore, detector.minAreaPercent)
    XCTAssertTrue((event.startMs...endMs).contains(event.peakMs), "\(event)")
    let thumbnail = try storage.index.absolutePath(ofEventThumbnail: XCTUnwrap(event.thumbnail))
    let jpeg = try Data(contentsOf: URL(fileURLWithPath: thumbnail))
    XCTAssertEqual(Array(jpeg.prefix(2)), [0xFF, 0xD8], "a JPEG")
    // Pushed: opened, its peak (at most once a second), closed; the last is the stored row.
    XCTAssertEqual(pushed.first?.endMs, nil)
    XCTAssertEqual(pushed.last, event)
    XCTAssertLessThanOrEqual(pushed.count, 2 + 4, "peaks at most once a second over 3.2 s")
  }

  func testInContinuousModeTheEventPointsIntoTheSegmentsByTime() async throws {
    let storage = try StorageFixture()
    _ = await recordEvents(
      RecordingSettings(mode: .continuous, segmentSeconds: 3), storage: storage)

    let events = try storage.index.events(.init())
    XCTAssertEqual(events.count, 1, "\(events)")
    guard let event = events.first, let endMs = event.endMs else { return }
    XCTAssertNil(event.clipId)
    XCTAssertEqual(wallSeconds(event.startMs), 3.9, accuracy: 0.15)
    XCTAssertEqual(wallSeconds(endMs), 7.1, accuracy: 0.15)
    let segments = try storage.index.clips(inState: .complete)
    XCTAssertGreaterThanOrEqual(segments.count, 3)
    XCTAssertEqual(Set(segments.map(\.kind)), [.segment])
    // Segments cover the event from its start to its end.
    let covering = segments.filter { ($0.endMs ?? 0) >= event.startMs && $0.startMs <= endMs }
    XCTAssertLessThanOrEqual(covering.first?.startMs ?? .max, event.startMs)
    XCTAssertGreaterThanOrEqual(covering.last?.endMs ?? 0, endMs)
  }

  func testPeaksRiseAtMostOnceASecondEachWithAPictureOnlyWhenItIsTaken() async {
    let video = SyntheticVideo()
    let camera = ScriptedOpener(clock: clock, [.connect(video.layout(), script(video))])
    let tap = RecorderTap()
    let reader = StreamReader(
      cameraId: "yard", source: .init(url: "scripted://yard", transport: .tcp, role: .detect),
      hub: hub, recorder: tap.input, backlog: RecorderBacklog(), detector: detector,
      detectorMailbox: nil, live: nil, registry: .builtIn, sources: camera.opener,
      clock: EngineClock(clock, wallMsAtStart: Self.wallStartMs), log: Logger(label: "test"))
    let task = Task { await reader.run() }
    let ended = await drive(clock) { clock.seconds >= 13 && tap.motion.count >= 2 }
    task.cancel()
    await task.value
    XCTAssertTrue(ended)

    let peaks = tap.events.compactMap { event -> (score: Double, atMs: Int64, picture: Bool)? in
      if case .peak(let score, let atMs, let jpeg) = event {
        (score, atMs, jpeg != nil)
      } else {
        nil
      }
    }
    XCTAssertGreaterThanOrEqual(peaks.count, 1)
    XCTAssertEqual(peaks.first?.picture, true, "the first frame of the motion is the first peak")
    for (earlier, later) in zip(peaks, peaks.dropFirst()) {
      XCTAssertGreaterThan(later.score, earlier.score, "only a higher peak is reported")
    }
    let pictures = peaks.filter(\.picture).map(\.atMs)
    for (earlier, later) in zip(pictures, pictures.dropFirst()) {
      XCTAssertGreaterThanOrEqual(later - earlier, 1_000, "at most one picture a second")
    }
  }
}
