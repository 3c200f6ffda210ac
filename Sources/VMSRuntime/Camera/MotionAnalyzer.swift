// Turns the detect input's video into motion on/off and the live view: decode, scale to small gray,
// run the camera's detector through its gate (rate cap, warm-up, consecutive frames), tell the
// recorder and the status hub, and encode JPEGs for live viewers when there are any. Lives inside
// the stream reader that owns the detect input, on its thread.
//
// With detection off (`type: none`) nothing is decoded while nobody watches; decoding resumes at the
// next keyframe when a viewer arrives. With `decode: keyframes` only keyframes are decoded while
// nobody watches (`KeyframeSchedule`), motion or not; every frame from the next keyframe once someone
// watches.
import CFFmpeg
import Detectors
import Foundation
import Logging
import VMSMedia

final class MotionAnalyzer {
  private let cameraId: String
  private let hub: StatusHub
  private let recorder: AsyncStream<RecorderEvent>.Continuation?
  private let log: Logger
  private var gate: MotionGate
  private var decoder: VideoDecoder?
  private var videoIndex: Int32 = -1
  private var thumbnailEncoder: JPEGEncoder?
  private var detects: Bool
  private let registry: DetectorRegistry
  private let live: LiveFeed?
  private var liveEncoder: JPEGEncoder?
  /// Whether the decoder has been fed since the last keyframe (it must start at one).
  private var decoding = false
  private var analysisSize = (width: 0, height: 0)
  /// Wall-clock times (ms) of analysed frames: where the current run of moving frames began, and
  /// the last frame that moved. Motion is reported as starting and ending there, not when the gate
  /// confirmed it.
  private var runStartWallMs: Int64?
  private var lastMovingWallMs: Int64 = 0
  /// The same two moments in the stream's own time, when this input is also the record input: then
  /// the recorder places motion by the frames' timestamps, exact whatever the decoding delay.
  private let sharesRecordClock: Bool
  private var videoTimeBase = Rational(0, 1)
  private var runStartStreamSeconds: Double?
  private var lastMovingStreamSeconds: Double?
  private let metrics: MotionMetrics
  private var damage = DamageMeter()
  private var damagedFramesSeen = 0
  private let role: StreamRole
  private let clock: EngineClock
  private var schedule: KeyframeSchedule
  /// What the status hub was last told of the decoding, to post only changes.
  private var postedDecode: DetectDecodeStatus?
  /// Frames out of the decoder since the start: what decoding costs, for tests and diagnostics.
  private(set) var decodedFrames = 0
  /// The peak of the motion in progress, for its event (see `trackPeak`): the score last reported,
  /// when (wall ms), and a higher one seen within the second after it, reported when that second
  /// is over.
  private var peakScore = 0.0
  private var peakReportedAtMs: Int64 = 0
  private var pendingPeak: (score: Double, atWallMs: Int64)?
  /// How often a higher peak is reported (and its thumbnail encoded) at most.
  static let peakIntervalMs: Int64 = 1000
  /// Whether the detector reports motion now (tests: when motion was noticed).
  var isMotion: Bool { gate.isMotion }

  init(
    cameraId: String, settings: DetectorSettings, registry: DetectorRegistry, hub: StatusHub,
    recorder: AsyncStream<RecorderEvent>.Continuation?, live: LiveFeed?, sharesRecordClock: Bool,
    role: StreamRole, clock: EngineClock = .live,
    log: Logger
  ) {
    self.clock = clock
    self.sharesRecordClock = sharesRecordClock
    self.role = role
    self.cameraId = cameraId
    self.live = live
    self.registry = registry
    detects = settings.type != "none"
    self.hub = hub
    self.recorder = recorder
    self.log = log
    metrics = MotionMetrics(cameraId: cameraId)
    gate = Self.makeGate(settings, registry: registry, log: log)
    schedule = KeyframeSchedule(mode: settings.decode)
    thumbnailEncoder = try? JPEGEncoder(width: 320)
  }

  private static func makeGate(
    _ settings: DetectorSettings, registry: DetectorRegistry, log: Logger
  ) -> MotionGate {
    do {
      return MotionGate(settings: settings, detector: try registry.make(settings))
    } catch {
      log.error("detector: \(error); motion detection is off for this camera")
      return MotionGate(settings: DetectorSettings(type: "none"), detector: NoneDetector())
    }
  }

  /// A configuration change: a new detector with a fresh model and warm-up, on the same connection.
  func replaceDetector(_ settings: DetectorSettings) {
    let inMotion = gate.isMotion || carriedMotionUntil != nil
    gate = Self.makeGate(settings, registry: registry, log: log)
    detects = settings.type != "none"
    schedule.mode = settings.decode  // from the next keyframe
    let now = clock.seconds
    gate.restart(at: now)
    carriedMotionUntil = nil
    guard inMotion else { return }
    if detects {
      // The new model must warm up before it can see anything: the motion in progress is carried
      // until it can confirm it, rather than ended (and the clip split) by a settings change.
      carriedMotionUntil = now + settings.warmupSeconds + gate.quietSeconds + 1
    } else {
      report(false)
    }
  }

  /// Set while motion from before a detector change is carried over (see `replaceDetector`).
  private var carriedMotionUntil: Double?

  /// A (re)connection: new decoder, fresh background model, warm-up starts.
  func connected(_ layout: StreamLayout) {
    decoder = nil
    damagedFramesSeen = 0
    clearDamage()
    decoding = false
    videoIndex = -1
    schedule.reset()
    if let video = layout.video {
      do {
        decoder = try VideoDecoder(parameters: video.parameters)
        videoIndex = Int32(video.index)
        videoTimeBase = video.timeBase
      } catch {
        log.error("detect stream: \(error); motion detection is off until the next connection")
      }
    }
    gate.restart(at: clock.seconds)
  }

  func disconnected() {
    decoder = nil
    clearDamage()
    postDecode(nil)
    if gate.isMotion || carriedMotionUntil != nil { report(false) }
    carriedMotionUntil = nil
    gate.restart(at: clock.seconds)
  }

  func handle(_ packet: UnsafePointer<AVPacket>) {
    guard packet.pointee.stream_index == videoIndex, let decoder else { return }
    let watched = live?.isWatched ?? false
    let needed = detects || watched
    let isKeyframe = packet.pointee.flags & AV_PKT_FLAG_KEY != 0
    if isKeyframe { decoder.setSkipsDeblocking(!watched) }
    if !needed {
      if decoding {
        decoder.flush()
        decoding = false
        clearDamage()  // nothing is decoded now: nothing can be said of the video
        postDecode(nil)
      }
      return
    }
    if isKeyframe {
      let pts = packet.pointee.pts
      schedule.keyframe(
        atStreamSeconds: pts != vms_nopts() ? videoTimeBase.seconds(pts) : nil, watched: watched)
      postDecode(decodeStatus())
    }
    if !decoding {
      guard isKeyframe else { return }
      decoding = true
    }
    guard schedule.decodes(isKeyframe: isKeyframe) else { return }
    decoder.decode(packet, alone: !schedule.decodesAll) { frame in
      decodedFrames += 1
      let t = clock.seconds
      if detects && gate.wantsFrame(at: t), let gray = decoder.grayFrame(of: frame) {
        analysisSize = (gray.width, gray.height)
        var change = gate.analyse(gray, at: t)
        let wallMs = clock.wallMs
        let pts = frame.pointee.best_effort_timestamp
        let streamSeconds: Double? =
          sharesRecordClock && pts != vms_nopts() ? videoTimeBase.seconds(pts) : nil
        if gate.lastResult.changedPercent >= gate.settings.minAreaPercent {
          if runStartWallMs == nil {
            runStartWallMs = wallMs
            runStartStreamSeconds = streamSeconds
          }
          lastMovingWallMs = wallMs
          lastMovingStreamSeconds = streamSeconds
        } else {
          runStartWallMs = nil
          runStartStreamSeconds = nil
        }
        if carriedMotionUntil != nil {
          if change == .started {
            // The new detector confirms the motion the old one reported: nothing to announce.
            carriedMotionUntil = nil
            change = nil
          } else if let until = carriedMotionUntil, t >= until, !gate.isMotion {
            carriedMotionUntil = nil
            report(false, atWallMs: lastMovingWallMs, atStreamSeconds: lastMovingStreamSeconds)
          }
        }
        switch change {
        case .started?:
          // It began somewhere between the previous analysed frame and the first moving one.
          let interval = gate.frameIntervalSeconds
          report(
            true, atWallMs: (runStartWallMs ?? wallMs) - Int64(interval * 1000),
            atStreamSeconds: (runStartStreamSeconds ?? streamSeconds).map { $0 - interval })
          let jpeg = thumbnailEncoder?.encode(frame)
          if let jpeg { recorder?.yield(.thumbnail(jpeg)) }
          // The first peak of the event is its first frame, with the same JPEG.
          peakScore = gate.lastResult.changedPercent
          peakReportedAtMs = wallMs
          pendingPeak = nil
          recorder?.yield(.peak(score: peakScore, atWallMs: wallMs, jpeg: jpeg))
        case .stopped?:
          flushPendingPeak()
          report(false, atWallMs: lastMovingWallMs, atStreamSeconds: lastMovingStreamSeconds)
        case nil:
          if gate.isMotion { trackPeak(frame, score: gate.lastResult.changedPercent, at: wallMs) }
        }
      }
      if let live, live.wantsFrame(atSeconds: t) { publishLive(frame, to: live) }
    }
    countDamage(decoder)
  }

  /// A frame analysed during motion: a score above the event's peak is reported with a JPEG of the
  /// frame, at most once a second, so the cost stays flat however the score climbs. A higher score
  /// within that second is kept and reported (without a picture) when the second is over, unless a
  /// still higher frame comes then.
  private func trackPeak(_ frame: UnsafeMutablePointer<AVFrame>, score: Double, at wallMs: Int64) {
    let due = wallMs - peakReportedAtMs >= Self.peakIntervalMs
    if score > max(peakScore, pendingPeak?.score ?? 0) {
      if due {
        pendingPeak = nil
        peakScore = score
        peakReportedAtMs = wallMs
        recorder?.yield(
          .peak(score: score, atWallMs: wallMs, jpeg: thumbnailEncoder?.encode(frame)))
      } else {
        pendingPeak = (score, wallMs)
      }
    } else if due {
      flushPendingPeak(now: wallMs)
    }
  }

  private func flushPendingPeak(now: Int64? = nil) {
    guard let pending = pendingPeak else { return }
    pendingPeak = nil
    peakScore = pending.score
    peakReportedAtMs = now ?? pending.atWallMs
    recorder?.yield(.peak(score: pending.score, atWallMs: pending.atWallMs, jpeg: nil))
  }

  private func decodeStatus() -> DetectDecodeStatus {
    DetectDecodeStatus(
      mode: schedule.mode.rawValue, now: schedule.decodesAll ? "all" : "keyframes",
      gopSeconds: schedule.gopSeconds.map { ($0 * 10).rounded() / 10 })
  }

  private func postDecode(_ status: DetectDecodeStatus?) {
    guard status != postedDecode else { return }
    postedDecode = status
    hub.post(.detectDecode(cameraId: cameraId, status))
  }

  /// Passes the decoder's new damaged frames to the meter, the metric and, when it changes, the status.
  private func countDamage(_ decoder: VideoDecoder) {
    let bad = decoder.damagedFrames - damagedFramesSeen
    if bad == 0 && damage.message == nil { return }  // the usual case: clean video, nothing to say
    damagedFramesSeen = decoder.damagedFrames
    if bad > 0 { metrics.damagedFrames(bad) }
    if let change = damage.record(badFrames: bad, at: clock.seconds) {
      if let message = change {
        log.warning("\(message)")
      } else {
        log.info("video no longer damaged")
      }
      hub.post(.damage(cameraId: cameraId, role: role, message: change))
    }
  }

  private func clearDamage() {
    if damage.message != nil { hub.post(.damage(cameraId: cameraId, role: role, message: nil)) }
    damage.reset()
  }

  private func publishLive(_ frame: UnsafeMutablePointer<AVFrame>, to live: LiveFeed) {
    if liveEncoder?.width != live.width {
      liveEncoder = try? JPEGEncoder(width: live.width, quality: 6)
    }
    let outline = live.showDetection && gate.isMotion ? gate.lastResult.regions : []
    guard let jpeg = liveEncoder?.encode(frame, outline: outline, outlineSpace: analysisSize) else {
      return
    }
    live.publish(LiveFrame(jpeg: jpeg, capturedAtMs: clock.wallMs))
  }

  private func report(
    _ on: Bool, atWallMs: Int64? = nil, atStreamSeconds: Double? = nil
  ) {
    log.info(
      on
        ? "motion started (\(String(format: "%.2f", gate.lastResult.changedPercent))% of the frame)"
        : "motion stopped")
    runStartWallMs = nil
    runStartStreamSeconds = nil
    if on { metrics.motionStarted() }
    recorder?.yield(
      .motion(on, atWallMs: atWallMs ?? clock.wallMs, atStreamSeconds: atStreamSeconds))
    hub.post(.motion(cameraId: cameraId, on))
  }
}
