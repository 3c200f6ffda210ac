// Reads one input of a camera (its record URL, its detect URL, or one URL for both) on a dedicated
// thread: connects, reads packets, hands them to the recorder and/or the motion analyzer, and on any
// failure reconnects with exponential backoff (1 s doubling to 30 s). While it waits, a cheap probe
// every 2 s (CameraProbe) ends the wait as soon as a camera that had stopped answering answers
// again, so a camera back from an outage of any length is reconnected within seconds. Every state
// change goes to the status hub with the error that caused it.
//
// Seams: the source is opened through the `PacketSourceOpener` the camera gives (FFmpeg's demuxers,
// or a scripted source in tests), and every wait and timestamp comes from the `EngineClock`. The
// reader stops when its task is cancelled: the cancellation aborts a blocked FFmpeg call and ends a
// back-off wait at once.
import CFFmpeg
import Detectors
import Foundation
import Logging
import VMSConfig
import VMSMedia

actor StreamReader {
  struct Source: Sendable {
    var url: String
    var transport: RTSPTransport
    var role: StreamRole
  }

  static let firstBackoffSeconds = 1.0
  static let maxBackoffSeconds = 30.0
  /// A connection that delivered video this long resets the backoff.
  static let healthyAfterSeconds = 10.0
  /// Lost frames are logged (once a minute) above this share of the frames expected.
  static let lossWorthLogging = 0.01
  /// How often a waiting reader probes whether the camera answers again.
  static let probeEverySeconds = 2.0
  /// Packets go to the recorder in batches of at most this age or size: one thread wake-up per
  /// batch instead of per packet (the pre-roll ring makes the delay harmless).
  static let batchNanos: UInt64 = 100_000_000
  static let batchPackets = 32

  nonisolated let executor: ThreadExecutor
  nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
  private nonisolated let interrupt = InterruptState()
  private let sources: PacketSourceOpener
  private let clock: EngineClock

  private let cameraId: String
  private let source: Source
  private let hub: StatusHub
  /// The camera's recorder: this input's packets go there only when it is the record input; a
  /// detect input uses it for motion events and thumbnails alone.
  private let recorder: AsyncStream<RecorderEvent>.Continuation?
  /// Bounds the packets handed to the recorder and not yet written (record input only).
  private let backlog: RecorderBacklog
  private var records: Bool { source.role != .detect }
  private let detector: DetectorSettings?
  private let live: LiveFeed?
  /// Where this input's video goes for MSE live viewers.
  private let liveVideo: LiveStream?
  private let detectorMailbox: SettingsMailbox<DetectorSettings>?
  private let registry: DetectorRegistry
  private let log: Logger
  private var metrics: InputMetrics
  /// Asks the camera what answers at its address: names vague open failures, ends backoff waits.
  private let probe: CameraProbe?
  private var frameLoss = FrameLoss()
  /// The stream whose frames `frameLoss` watches (-1: none).
  private var lossIndex: Int32 = -1

  /// `recorder`: the camera's recorder. `detector` and `live`:
  /// the motion settings and the live feed when this input is the detect input (nil if record-only).
  init(
    cameraId: String, source: Source, hub: StatusHub,
    recorder: AsyncStream<RecorderEvent>.Continuation?,
    backlog: RecorderBacklog, detector: DetectorSettings?,
    detectorMailbox: SettingsMailbox<DetectorSettings>?, live: LiveFeed?,
    registry: DetectorRegistry, liveVideo: LiveStream? = nil,
    sources: PacketSourceOpener = .ffmpeg, clock: EngineClock = .live, log: Logger
  ) {
    self.liveVideo = liveVideo
    self.sources = sources
    self.clock = clock
    self.live = live
    self.detectorMailbox = detectorMailbox
    executor = ThreadExecutor(name: "\(source.role == .detect ? "det" : "in")-\(cameraId)")
    self.cameraId = cameraId
    self.source = source
    probe = CameraProbe(url: source.url)
    self.hub = hub
    self.recorder = recorder
    self.backlog = backlog
    self.detector = detector
    self.registry = registry
    metrics = InputMetrics(cameraId: cameraId, role: source.role, clock: clock)
    var log = log
    log[metadataKey: "input"] = "\(source.role.rawValue)"
    self.log = log
  }

  /// Runs until its task is cancelled, then closes the input and returns.
  func run() async {
    await withTaskCancellationHandler {
      await readUntilStopped()
    } onCancel: {
      interrupt.requestStop()
    }
    executor.shutdown()
  }

  private func readUntilStopped() async {
    let analyzer = detector.map {
      MotionAnalyzer(
        cameraId: cameraId, settings: $0, registry: registry, hub: hub, recorder: recorder,
        live: live,
        sharesRecordClock: source.role == .both, role: source.role, clock: clock, log: log)
    }
    var backoff = Self.firstBackoffSeconds
    var lastError: String?
    let display = redactingPassword(source.url)
    while !interrupt.isStopRequested {
      post(lastError == nil ? .connecting : .reconnecting, lastError)
      let input: any PacketSource
      do {
        input = try sources.open(url: source.url, transport: source.transport, interrupt: interrupt)
      } catch {
        if interrupt.isStopRequested { break }
        // FFmpeg's vague refusals and timeouts are named by asking the camera what answers.
        let (error, answer) =
          probe?.naming(error, afterTimeout: interrupt.reason == .deadline) ?? (error, nil)
        metrics.disconnected(lost: true)
        if error.description != lastError { log.warning("\(display): \(error)") }
        lastError = error.description
        await waitToRetry(seconds: backoff, answerAtFailure: answer)
        backoff = min(backoff * 2, Self.maxBackoffSeconds)
        continue
      }
      log.info("connected to \(display): \(input.layout.summary)")
      post(.connected, nil)
      if records { recorder?.yield(.connected(input.layout)) }
      analyzer?.connected(input.layout)
      liveVideo?.connected(input.layout)
      metrics.connected(input.layout)
      let connectedAt = clock.nanos
      // Frames lost on the way, judged from the camera's timestamps: not for files (looped) nor for
      // sources timed by arrival (MJPEG over HTTP), whose steps are only jitter.
      frameLoss.reset()
      lossIndex = input.isFile || input.timedByArrival ? -1 : Int32(input.layout.video?.index ?? -1)
      var batch: [MediaPacket] = []
      var batchStarted: UInt64 = 0
      do {
        while !interrupt.isStopRequested {
          let packet = try input.read()
          let now = clock.nanos  // one clock read per packet, shared by everything below
          metrics.count(packet, at: now)
          if packet.pointee.stream_index == lossIndex { countLoss(packet.pointee.dts, at: now) }
          if let analyzer, let newSettings = detectorMailbox?.take() {
            analyzer.replaceDetector(newSettings)
          }
          analyzer?.handle(packet)
          if let liveVideo { Self.share(packet, with: liveVideo) }
          if records, recorder != nil {
            if batch.isEmpty { batchStarted = now }
            batch.append(MediaPacket(copying: packet, receivedAtMs: clock.wallMs))
            if batch.count >= Self.batchPackets || now - batchStarted >= Self.batchNanos {
              hand(batch, of: input.layout)
              batch.removeAll(keepingCapacity: true)
            }
          }
          if backoff > Self.firstBackoffSeconds
            && Double(now - connectedAt) / 1e9 > Self.healthyAfterSeconds
          {
            backoff = Self.firstBackoffSeconds
          }
        }
      } catch {
        if !interrupt.isStopRequested {
          log.warning("\(display): \(error)")
          lastError = error.description
        }
      }
      if !batch.isEmpty { hand(batch, of: input.layout) }
      analyzer?.disconnected()
      liveVideo?.disconnected(reason: interrupt.isStopRequested ? nil : lastError)
      metrics.disconnected(lost: !interrupt.isStopRequested)
      // On a stop the recorder finalises when its stream ends; a disconnection is only that.
      if interrupt.isStopRequested { break }
      if records { recorder?.yield(.disconnected) }
      post(.reconnecting, lastError)
      await waitToRetry(seconds: backoff)
      backoff = min(backoff * 2, Self.maxBackoffSeconds)
    }
  }

  private func countLoss(_ dts: Int64, at now: UInt64) {
    let (missing, minute) = frameLoss.frame(dts: dts, atNanos: now)
    if missing > 0 { metrics.framesMissing(missing) }
    if let minute, minute.share > Self.lossWorthLogging {
      log.warning(
        "\(minute.missing) of \(minute.expected) frames (\(String(format: "%.1f", minute.share * 100)) %) never arrived in the last minute: packets are lost between the camera and vms; check the network, or use rtsp_transport: tcp"
      )
    }
  }

  /// Gives packets to the recorder through the backlog: never blocks, drops past its limit.
  private func hand(_ batch: [MediaPacket], of layout: StreamLayout) {
    for event in backlog.admit(batch, videoIndex: layout.video?.index) { recorder?.yield(event) }
  }

  private func post(_ state: ConnectionState, _ error: String?) {
    hub.post(.stream(cameraId: cameraId, role: source.role, state: state, error: error))
  }

  /// Waits `seconds` before the next attempt. A wait longer than the probe period probes the
  /// camera every `probeEverySeconds` and ends as soon as the camera answers after having been
  /// seen silent: a camera that answers but refuses (401, wrong path) keeps its backoff.
  /// `answerAtFailure`: what the camera answered when the failure was named, if it was asked.
  private func waitToRetry(seconds: Double, answerAtFailure: CameraProbe.Answer? = nil) async {
    guard seconds > Self.probeEverySeconds, let probe else {
      await sleep(seconds: seconds)
      return
    }
    let end = clock.nanos + UInt64(seconds * 1e9)
    var seenSilent = answerAtFailure.map { $0 != .speaksProtocol } ?? !probe.answers()
    while !interrupt.isStopRequested {
      let now = clock.nanos
      guard now < end else { return }
      await sleep(seconds: min(Self.probeEverySeconds, Double(end - now) / 1e9))
      guard !interrupt.isStopRequested, clock.nanos < end else { return }
      if probe.answers() {
        if seenSilent {
          log.info("\(redactingPassword(source.url)) answers again: reconnecting now")
          return
        }
      } else {
        seenSilent = true
      }
    }
  }

  /// Sleeps on the engine's clock; a cancelled task (a stop) wakes at once.
  private func sleep(seconds: Double) async {
    try? await clock.sleep(for: .nanoseconds(Int64(seconds * 1e9)))
  }

  private static func share(_ packet: UnsafeMutablePointer<AVPacket>, with stream: LiveStream) {
    let size = Int(packet.pointee.size)
    guard let bytes = packet.pointee.data, size > 0 else { return }
    stream.packet(
      streamIndex: Int(packet.pointee.stream_index),
      data: UnsafeBufferPointer(start: bytes, count: size), dts: packet.pointee.dts,
      pts: packet.pointee.pts, isKeyframe: packet.pointee.flags & AV_PKT_FLAG_KEY != 0)
  }

}
