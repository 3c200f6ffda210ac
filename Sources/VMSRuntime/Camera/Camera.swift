// One configured camera: wires its stream readers (one input, or a record and a detect input) to
// its recorder and runs them until stopped. Owns no blocking work itself: the readers and the
// recorder each run on their own thread. A settings change that needs no new connection (detector,
// recording durations, name, live view, retention) is applied in place: the inputs stay connected
// and the open clip goes on.
import Detectors
import Logging
import Storage
import VMSConfig
import VMSMedia

public actor Camera {
  public private(set) var settings: CameraSettings
  private let hub: StatusHub
  private let index: ClipIndex
  private let registry: DetectorRegistry
  private let live: LiveFeed
  private let storage: StorageHooks
  private let log: Logger
  private let sources: PacketSourceOpener
  /// Where the inputs' video goes for MSE live viewers (none: MJPEG live view only).
  private let liveVideo: LiveStreams?
  private let clock: EngineClock
  private var readers: [StreamReader] = []
  private var readerTasks: [Task<Void, Never>] = []
  private var recorderInput: AsyncStream<RecorderEvent>.Continuation?
  private var recorderTask: Task<Void, Never>?
  private let detectorMailbox = SettingsMailbox<DetectorSettings>()

  public init(
    settings: CameraSettings, hub: StatusHub, index: ClipIndex, live: LiveFeed,
    registry: DetectorRegistry,
    storage: StorageHooks = .none, liveVideo: LiveStreams? = nil,
    sources: PacketSourceOpener = .ffmpeg, clock: EngineClock = .live, log: Logger
  ) {
    self.liveVideo = liveVideo
    self.sources = sources
    self.clock = clock
    self.storage = storage
    self.settings = settings
    self.live = live
    self.hub = hub
    self.index = index
    self.registry = registry
    var log = log
    log[metadataKey: "camera"] = "\(settings.id)"
    self.log = log
  }

  /// The inputs a camera opens: one when detection uses the record URL, else two.
  static func roles(of settings: CameraSettings) -> [StreamRole] {
    settings.effectiveDetectURL == settings.recordURL ? [.both] : [.record, .detect]
  }

  var roles: [StreamRole] { Self.roles(of: settings) }

  /// Whether going from `old` to `new` settings needs the inputs reopened.
  public static func needsReconnect(from old: CameraSettings, to new: CameraSettings) -> Bool {
    old.recordURL != new.recordURL || old.effectiveDetectURL != new.effectiveDetectURL
      || old.rtspTransport != new.rtspTransport || old.enabled != new.enabled
  }

  /// Applies settings that need no new connection. The caller restarts the camera instead when
  /// `needsReconnect(from:to:)` says so.
  public func update(_ new: CameraSettings) {
    precondition(!Self.needsReconnect(from: settings, to: new), "update needs a restart")
    let old = settings
    settings = new
    if old.name != new.name { hub.post(.renamed(cameraId: new.id, name: new.name)) }
    if old.detector != new.detector {
      detectorMailbox.post(new.detector)
      log.info("detector changed to \(new.detector.type), applied without reconnecting")
    }
    if old.recording != new.recording { recorderInput?.yield(.settings(new.recording)) }
    if old.live != new.live {
      live.configure(
        fps: new.live.fps, width: new.live.width, showDetection: new.live.showDetection)
    }
  }

  public func start() {
    hub.post(
      .added(cameraId: settings.id, name: settings.name, enabled: settings.enabled, roles: roles))
    guard settings.enabled, readers.isEmpty else { return }
    // Unbounded as a stream, bounded in bytes by the backlog the record reader admits packets through.
    let (events, input) = AsyncStream<RecorderEvent>.makeStream(bufferingPolicy: .unbounded)
    let backlog = RecorderBacklog()
    let recorder = Recorder(
      cameraId: settings.id, settings: settings.recording, index: index, hub: hub, storage: storage,
      backlog: backlog, clock: clock, log: log)
    recorderInput = input
    recorderTask = Task { await recorder.run(events) }

    live.configure(
      fps: settings.live.fps, width: settings.live.width, showDetection: settings.live.showDetection
    )
    let video = liveVideo?.inputs(cameraId: settings.id, separateSub: roles != [.both])
    if roles == [.both] {
      readers = [
        StreamReader(
          cameraId: settings.id,
          source: .init(url: settings.recordURL, transport: settings.rtspTransport, role: .both),
          hub: hub, recorder: input, backlog: backlog, detector: settings.detector,
          detectorMailbox: detectorMailbox, live: live, registry: registry,
          liveVideo: video?.main, sources: sources, clock: clock, log: log)
      ]
    } else {
      readers = [
        StreamReader(
          cameraId: settings.id,
          source: .init(url: settings.recordURL, transport: settings.rtspTransport, role: .record),
          hub: hub, recorder: input, backlog: backlog, detector: nil, detectorMailbox: nil,
          live: nil, registry: registry, liveVideo: video?.main, sources: sources, clock: clock,
          log: log),
        StreamReader(
          cameraId: settings.id,
          source: .init(
            url: settings.effectiveDetectURL, transport: settings.rtspTransport, role: .detect),
          hub: hub, recorder: input, backlog: backlog, detector: settings.detector,
          detectorMailbox: detectorMailbox, live: live, registry: registry,
          liveVideo: video?.sub, sources: sources, clock: clock, log: log),
      ]
    }
    readerTasks = readers.map { reader in Task { await reader.run() } }
  }

  /// Stops the inputs, then lets the recorder finalise its open clip. Returns when the clip is safe.
  public func stop() async {
    for task in readerTasks { task.cancel() }
    for task in readerTasks { await task.value }
    readers = []
    readerTasks = []
    recorderInput?.finish()
    await recorderTask?.value
    recorderInput = nil
    recorderTask = nil
  }
}
