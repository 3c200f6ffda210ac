import VMSConfig
import XCTest

@testable import VMSRuntime

/// The clip state machine, fed by a scripted camera (10 fps, a keyframe every second unless said).
/// Every assertion is what a user would see in the clip list: when a clip starts and ends, what it
/// holds, and that a camera's clips neither overlap nor leave a gap where they should not.
final class ClipMachineTests: XCTestCase {
  private func settings(
    preRoll: Double = 5, postRoll: Double = 10, minDuration: Double = 15, maxDuration: Double = 600
  ) -> RecordingSettings {
    RecordingSettings(
      preRollSeconds: preRoll, postRollSeconds: postRoll, minDurationSeconds: minDuration,
      maxDurationSeconds: maxDuration)
  }

  private func videoSeconds(_ clip: MachineDriver.Clip, _ camera: ScriptedCamera) -> [Double] {
    clip.packets.filter { $0.streamIndex == ScriptedCamera.videoIndex }.map {
      camera.timeBase.seconds($0.dts)
    }
  }

  func testNoMotionNoClip() {
    var driver = MachineDriver(settings())
    driver.feed(until: 60)
    XCTAssertTrue(driver.clips.isEmpty)
  }

  func testClipStartsAtTheKeyframePreRollBeforeTheMotion() {
    var driver = MachineDriver(settings(preRoll: 5))
    driver.feed(until: 21)
    driver.motion(true, at: 20)  // confirmed a second after it began
    driver.feed(until: 21.5)
    XCTAssertEqual(driver.clips.count, 1)
    let clip = driver.clips[0]
    let first = clip.packets[0]
    XCTAssertTrue(first.isKeyframe)
    // 20 - 5 s pre-roll - 0.5 s detection lag = 14.5: the keyframe at or before it is 14 s.
    XCTAssertEqual(driver.camera.timeBase.seconds(first.dts), 14, accuracy: 1e-9)
    XCTAssertEqual(clip.startMs, driver.wallMs(14))
    // Every frame from there on, once, in order.
    let seconds = videoSeconds(clip, driver.camera)
    XCTAssertEqual(seconds.count, 75)  // 14.0 ... 21.4
    XCTAssertEqual(seconds, seconds.sorted())
    XCTAssertEqual(Set(seconds).count, seconds.count)
  }

  func testPreRollLongerThanTheRingKeepsTheOldestKeyframe() {
    var driver = MachineDriver(settings(preRoll: 2))
    driver.feed(until: 30)
    // Confirmed 4.5 s late: more than the ring keeps beyond the pre-roll (3 s).
    driver.motion(true, at: 25.5)
    driver.feed(until: 30.1)
    let first = driver.clips[0].packets[0]
    XCTAssertEqual(
      driver.camera.timeBase.seconds(first.dts), 25, accuracy: 1e-9, "kept: 2 + 3 s before 30")
  }

  func testClosesAfterPostRollOnceMinDurationIsReached() {
    var driver = MachineDriver(settings(preRoll: 5, postRoll: 10, minDuration: 15))
    driver.feed(until: 21)
    driver.motion(true, at: 20)
    driver.feed(until: 24)
    driver.motion(false, at: 23)
    driver.feed(until: 32.95)
    XCTAssertNil(driver.clips[0].closeReason, "post_roll has not elapsed at 32.9 s")
    driver.feed(until: 33.05)
    XCTAssertEqual(driver.clips[0].closeReason, "post_roll elapsed")
    // The frame at 33.0 s, 10 s after the motion ended, is the clip's last: it ends a frame later.
    XCTAssertEqual(videoSeconds(driver.clips[0], driver.camera).last!, 33, accuracy: 1e-9)
    XCTAssertEqual(driver.clips[0].endMs, driver.wallMs(33.1))
  }

  func testMinDurationKeepsAShortMotionRecording() {
    var driver = MachineDriver(settings(preRoll: 1, postRoll: 2, minDuration: 30))
    driver.feed(until: 11)
    driver.motion(true, at: 10.5)
    driver.feed(until: 12)
    driver.motion(false, at: 11.5)
    driver.feed(until: 60)
    XCTAssertEqual(driver.clips.count, 1)
    // Starts at 9 s (10.5 - 1 - 0.5), so min_duration ends it at 39 s, not post_roll at 13.5 s.
    XCTAssertEqual(driver.clips[0].startMs, driver.wallMs(9))
    XCTAssertEqual(driver.clips[0].endMs, driver.wallMs(39.1))
  }

  func testMotionThatReturnsDuringPostRollKeepsTheSameClip() {
    var driver = MachineDriver(settings(preRoll: 2, postRoll: 5, minDuration: 1))
    driver.feed(until: 11)
    driver.motion(true, at: 10)
    driver.feed(until: 13)
    driver.motion(false, at: 12)
    driver.feed(until: 16)
    driver.motion(true, at: 15.5)
    driver.feed(until: 20)
    driver.motion(false, at: 19)
    driver.feed(until: 40)
    XCTAssertEqual(driver.clips.count, 1)
    XCTAssertEqual(driver.clips[0].endMs, driver.wallMs(24.1))
  }

  func testSplitAtMaxDurationLeavesNoGapAndRepeatsNoFrame() {
    var driver = MachineDriver(settings(preRoll: 2, maxDuration: 10))
    driver.feed(until: 6)
    driver.motion(true, at: 5.5)
    driver.feed(until: 40)
    XCTAssertGreaterThanOrEqual(driver.clips.count, 3)
    for (earlier, later) in zip(driver.clips, driver.clips.dropFirst()) {
      XCTAssertEqual(earlier.closeReason, "max_duration reached")
      XCTAssertEqual(
        later.startMs, earlier.endMs, "the next row starts where the previous one ended")
      let lastWritten = videoSeconds(earlier, driver.camera).last!
      let firstOfNext = videoSeconds(later, driver.camera).first!
      XCTAssertEqual(
        firstOfNext - lastWritten, 0.1, accuracy: 1e-9, "the next frame, not a repeat or a skip")
      XCTAssertTrue(later.packets[0].isKeyframe)
      XCTAssertEqual(
        earlier.endMs! - earlier.startMs, 10_000, "cut at the first keyframe past 10 s")
    }
  }

  private func continuous(segment: Double) -> RecordingSettings {
    var settings = settings()
    settings.mode = .continuous
    settings.segmentSeconds = segment
    return settings
  }

  func testContinuousRecordsEverythingInSegmentsWithNoGapAndNoRepeat() {
    var driver = MachineDriver(continuous(segment: 10))
    driver.feed(until: 120)
    // No motion at all: recorded from the first keyframe, cut every 10 s, still open at the end.
    XCTAssertEqual(driver.clips.count, 12)
    XCTAssertEqual(driver.camera.timeBase.seconds(driver.clips[0].packets[0].dts), 0)
    XCTAssertNil(driver.clips.last!.closeReason, "the current segment stays open")
    var frames: [Double] = []
    for (earlier, later) in zip(driver.clips, driver.clips.dropFirst()) {
      XCTAssertEqual(earlier.closeReason, "segment complete")
      XCTAssertEqual(later.startMs, earlier.endMs, "the next row starts where the previous ended")
      XCTAssertEqual(earlier.endMs! - earlier.startMs, 10_000)
      XCTAssertTrue(later.packets[0].isKeyframe)
    }
    for clip in driver.clips { frames += videoSeconds(clip, driver.camera) }
    // Every frame of the two minutes once, in order: 0.0, 0.1, ... 119.9.
    XCTAssertEqual(frames.count, 1200)
    for (i, seconds) in frames.enumerated() {
      XCTAssertEqual(seconds, Double(i) / 10, accuracy: 1e-9)
    }
  }

  func testContinuousIgnoresQuietAndSwitchingModeClosesTheOpenClip() {
    var driver = MachineDriver(continuous(segment: 60))
    driver.feed(until: 11)
    driver.motion(true, at: 10)
    driver.feed(until: 12)
    driver.motion(false, at: 11.5)
    driver.feed(until: 50)
    XCTAssertEqual(driver.clips.count, 1)
    XCTAssertNil(driver.clips[0].closeReason, "quiet does not end a continuous recording")
    // Back to events by hot reload: the segment ends there; nothing more without motion.
    driver.machine.settingsChanged(settings())
    driver.carryOut()
    XCTAssertEqual(driver.clips[0].closeReason, "recording mode changed to events")
    driver.feed(until: 80)
    XCTAssertEqual(driver.clips.count, 1)
    // And to continuous again: the next keyframe opens a new segment after the previous one.
    driver.machine.settingsChanged(continuous(segment: 60))
    driver.carryOut()
    driver.feed(until: 82)
    XCTAssertEqual(driver.clips.count, 2)
    XCTAssertEqual(driver.camera.timeBase.seconds(driver.clips[1].packets[0].dts), 80)
    XCTAssertGreaterThanOrEqual(driver.clips[1].startMs, driver.clips[0].endMs!)
  }

  func testSplitWithBFramesLeavesNoGapOrOverlap() {
    var camera = ScriptedCamera()
    camera.reorderFrames = 2
    var driver = MachineDriver(settings(preRoll: 2, maxDuration: 10), camera: camera)
    driver.feed(until: 6)
    driver.motion(true, at: 5.5)
    driver.feed(until: 40)
    XCTAssertGreaterThanOrEqual(driver.clips.count, 3)
    // The row starts at the first frame shown: 0.2 s after the keyframe's decode time.
    XCTAssertEqual(driver.clips[0].startMs, driver.wallMs(3.2))
    for (earlier, later) in zip(driver.clips, driver.clips.dropFirst()) {
      XCTAssertEqual(later.startMs, earlier.endMs)
    }
  }

  func testANewClipNeverStartsBeforeThePreviousOneEnded() {
    var driver = MachineDriver(settings(preRoll: 5, postRoll: 2, minDuration: 1))
    driver.feed(until: 11)
    driver.motion(true, at: 10)
    driver.feed(until: 12)
    driver.motion(false, at: 11)
    driver.feed(until: 14)
    XCTAssertEqual(driver.clips[0].closeReason, "post_roll elapsed")
    let firstEnd = driver.clips[0].endMs!
    // Motion again 1.5 s later: its pre-roll (5 s) would reach back into the first clip.
    driver.motion(true, at: 14.5)
    driver.feed(until: 15.5)
    XCTAssertEqual(driver.clips.count, 2)
    XCTAssertGreaterThanOrEqual(driver.clips[1].startMs, firstEnd)
    let firstOfSecond = videoSeconds(driver.clips[1], driver.camera).first!
    XCTAssertGreaterThan(firstOfSecond, videoSeconds(driver.clips[0], driver.camera).last!)
    XCTAssertEqual(firstOfSecond, 14, accuracy: 1e-9, "the first keyframe after the previous clip")
  }

  func testAudioIsWrittenButNeverStartsOrTimesAClip() {
    var camera = ScriptedCamera()
    camera.audio = true
    var driver = MachineDriver(settings(preRoll: 2, postRoll: 2, minDuration: 1), camera: camera)
    driver.feed(until: 11)
    driver.motion(true, at: 10)
    driver.feed(until: 12)
    driver.motion(false, at: 11)
    driver.feed(until: 20)
    let clip = driver.clips[0]
    XCTAssertEqual(clip.packets[0].streamIndex, ScriptedCamera.videoIndex)
    let audio = clip.packets.filter { $0.streamIndex == ScriptedCamera.audioIndex }.count
    // One audio packet after each frame, but the clip closes on its last frame.
    XCTAssertEqual(audio, videoSeconds(clip, driver.camera).count - 1)
    XCTAssertEqual(clip.endMs, driver.wallMs(13.1))
  }

  func testMotionSeenOnAnotherInputIsPlacedThroughTheWallClock() {
    var driver = MachineDriver(settings(preRoll: 3))
    driver.feed(until: 21)
    // The detect input saw motion begin at 19.2 s of wall time; no stream time given.
    driver.machine.motion(true, atWallMs: driver.wallMs(19.2), atStreamSeconds: nil)
    driver.feed(until: 21.2)
    // 19.2 - 3 - 0.5 = 15.7: the keyframe at 15 s.
    XCTAssertEqual(driver.clips[0].startMs, driver.wallMs(15))
  }

  func testDiskFullPausesRecordingAndSaysSoOnce() {
    var driver = MachineDriver(settings())
    driver.diskPaused = true
    driver.feed(until: 11)
    driver.motion(true, at: 10)
    driver.feed(until: 20)
    XCTAssertTrue(driver.clips.isEmpty)
    XCTAssertEqual(driver.diskFullNotices, 1)
    driver.diskPaused = false
    driver.feed(until: 20.1)
    XCTAssertEqual(driver.clips.count, 1, "records again as soon as space returns")
  }

  func testDiskFullDuringAClipClosesItAtTheNextKeyframe() {
    var driver = MachineDriver(settings())
    driver.feed(until: 11)
    driver.motion(true, at: 10)
    driver.feed(until: 12.3)
    driver.diskPaused = true
    driver.feed(until: 12.95)
    XCTAssertNil(driver.clips[0].closeReason, "a clip is only cut at a keyframe")
    driver.feed(until: 13.05)
    XCTAssertEqual(driver.clips[0].closeReason, "disk full")
    XCTAssertEqual(videoSeconds(driver.clips[0], driver.camera).last!, 12.9, accuracy: 1e-9)
  }

  func testAFailedWriteClosesTheClipDamagedAndWaitsBeforeTheNext() {
    var driver = MachineDriver(settings())
    driver.feed(until: 11)
    driver.motion(true, at: 10)
    driver.feed(until: 12)
    driver.failNextWrite = true
    driver.feed(until: 12.1)
    XCTAssertEqual(driver.clips[0].closeReason, "write error")
    XCTAssertTrue(driver.clips[0].damaged)
    // Motion goes on: no new clip for 10 s (one try per frame would hammer a failing disk).
    driver.feed(until: 22.0)
    XCTAssertEqual(driver.clips.count, 1)
    driver.feed(until: 22.2)
    XCTAssertEqual(driver.clips.count, 2, "tried again 10 s after the failure")
  }

  func testAFailedWriteOnTheClipsLastPacketStillClosesItDamaged() {
    var driver = MachineDriver(settings(preRoll: 2, postRoll: 2, minDuration: 1))
    driver.feed(until: 11)
    driver.motion(true, at: 10)
    driver.feed(until: 12)
    driver.motion(false, at: 11)
    driver.feed(until: 12.95)
    XCTAssertNil(driver.clips[0].closeReason)
    // The frame at 13.0 s ends post_roll, and its write fails.
    driver.failNextWrite = true
    driver.feed(until: 13.05)
    XCTAssertEqual(driver.clips[0].closeReason, "write error")
    XCTAssertTrue(driver.clips[0].damaged, "kept to its last complete fragment, not left open")
    XCTAssertFalse(driver.machine.isRecording)
  }

  func testAFailedOpenIsRetriedOnlyAfterTheWait() {
    var driver = MachineDriver(settings())
    driver.feed(until: 11)
    driver.failNextOpen = true
    driver.motion(true, at: 10)
    driver.feed(until: 20.95)
    XCTAssertTrue(driver.clips.isEmpty)
    driver.feed(until: 21.1)
    XCTAssertEqual(driver.clips.count, 1)
  }

  func testAGapClosesTheClipAndTheNextStartsAfterIt() {
    var driver = MachineDriver(settings(preRoll: 5))
    driver.feed(until: 11)
    driver.motion(true, at: 10)
    driver.feed(until: 15.5)
    driver.machine.gap()
    driver.carryOut()
    XCTAssertEqual(driver.clips[0].closeReason, "packets dropped: the disk fell behind")
    driver.feed(until: 17.5)
    XCTAssertEqual(driver.clips.count, 2)
    // The ring was emptied at the gap: the next clip starts at the first keyframe after it.
    XCTAssertEqual(videoSeconds(driver.clips[1], driver.camera).first!, 16, accuracy: 1e-9)
  }

  func testALostStreamClosesTheClipAndNothingIsRecordedUntilItIsBack() {
    var driver = MachineDriver(settings())
    driver.feed(until: 11)
    driver.motion(true, at: 10)
    driver.feed(until: 14)
    driver.machine.disconnected()
    driver.carryOut()
    XCTAssertEqual(driver.clips[0].closeReason, "stream lost")
    driver.feed(until: 20)
    XCTAssertEqual(driver.clips.count, 1, "packets without a connection are ignored")
    driver.machine.connected(video: driver.camera.video)
    driver.feed(until: 21.05)
    XCTAssertEqual(
      driver.clips.count, 2, "motion still on: a clip from the first keyframe of the new connection"
    )
    XCTAssertEqual(videoSeconds(driver.clips[1], driver.camera).first!, 20, accuracy: 1e-9)
  }

  func testDisablingRecordingClosesTheClipAndRecordsNothingMore() {
    var driver = MachineDriver(settings())
    driver.feed(until: 11)
    driver.motion(true, at: 10)
    driver.feed(until: 14)
    var off = settings()
    off.enabled = false
    driver.machine.settingsChanged(off)
    driver.carryOut()
    XCTAssertEqual(driver.clips[0].closeReason, "recording disabled")
    driver.feed(until: 30)
    XCTAssertEqual(driver.clips.count, 1)
  }

  func testStoppingTheCameraClosesTheOpenClip() {
    var driver = MachineDriver(settings())
    driver.feed(until: 11)
    driver.motion(true, at: 10)
    driver.feed(until: 14)
    driver.machine.stopped()
    driver.carryOut()
    XCTAssertEqual(driver.clips[0].closeReason, "camera stopped")
    XCTAssertEqual(driver.clips[0].endMs, driver.wallMs(14))
  }

  func testARowNeverEndsLongAfterItsLastPacketArrived() {
    var camera = ScriptedCamera()
    // At 12 s the camera's timestamps jump 240 s ahead (a confused or damaged camera).
    camera.jumpSeconds = 240
    camera.jumpAfterSeconds = 12
    var driver = MachineDriver(settings(preRoll: 2, postRoll: 2, minDuration: 1), camera: camera)
    driver.feed(until: 11)
    driver.motion(true, at: 10)
    driver.feed(until: 13)
    driver.machine.stopped()
    driver.carryOut()
    // The file says 242 s; the row ends 0.5 s after the last packet arrived (12.9 s).
    XCTAssertEqual(driver.clips[0].endMs, driver.wallMs(12.9) + ClipMachine.endSlackMs)
    XCTAssertTrue(
      driver.clips[0].progressBounds.allSatisfy {
        $0 <= driver.wallMs(12.9) + ClipMachine.endSlackMs
      })
  }

  func testProgressIsReportedEveryTwoSecondsOfStream() {
    var driver = MachineDriver(settings())
    driver.feed(until: 11)
    driver.motion(true, at: 10)
    driver.feed(until: 21.05)
    // Opened at 11.0; progress at 13, 15, 17, 19, 21.
    XCTAssertEqual(
      driver.clips[0].progressBounds, [13, 15, 17, 19, 21].map { driver.wallMs($0) + 500 })
  }
}
