// The latest status of every camera, and a stream of changes for each subscriber.
//
// Producers (stream readers on their own threads) post without waiting: `post` only yields into an
// ordered AsyncStream the hub drains. Each subscriber gets its own AsyncStream that starts with a
// snapshot and keeps only the newest events when it falls behind, so a slow browser never slows a
// camera.
//
// The hub is a `Service`: `run()` drains the posts, under the process's ServiceGroup (`vms serve`)
// or a test's task. Posts made before it runs wait in order. On graceful shutdown it applies what
// was posted until then, ends every subscriber's stream (the WebSockets close) and returns; later
// posts are dropped.
import Foundation
import ServiceLifecycle

public actor StatusHub: Service {
  private struct Entry {
    var status: CameraStatus
    var enabled: Bool
    var streams: [StreamRole: (state: ConnectionState, error: String?)]
    /// Damaged video reported by an input that is connected (see `DamageMeter`).
    var damage: [StreamRole: String] = [:]
  }

  private var entries: [String: Entry] = [:]
  private var order: [String] = []
  private var configurationReport = ConfigurationReport(applied: true)
  /// Set while recording is paused because the data disk is full: every camera shows it.
  private var diskFullReason: String?
  private var subscribers: [UUID: AsyncStream<StatusEvent>.Continuation] = [:]
  private nonisolated let input: AsyncStream<StatusUpdate>.Continuation
  private let updates: AsyncStream<StatusUpdate>
  /// Set once `run` has ended: a late subscriber gets its snapshot and an ended stream.
  private var stopped = false

  /// Reads the wall time a camera went down at (`downSinceMs`); tests give a clock they move.
  private let clock: EngineClock

  public init(clock: EngineClock = .live) {
    self.clock = clock
    (updates, input) = AsyncStream<StatusUpdate>.makeStream(bufferingPolicy: .unbounded)
  }

  /// Applies the posts in order until graceful shutdown (or cancellation), then ends every
  /// subscriber's stream. Run it once.
  public func run() async {
    await withGracefulShutdownHandler {
      // Ending the input lets the loop apply what is already posted, then stop.
      for await update in updates { apply(update) }
    } onGracefulShutdown: { [input] in
      input.finish()
    }
    stopped = true
    for continuation in subscribers.values { continuation.finish() }
    subscribers = [:]
  }

  /// Reports a change; never waits.
  public nonisolated func post(_ update: StatusUpdate) {
    input.yield(update)
  }

  /// Every camera's status, in configuration order.
  public func snapshot() -> [CameraStatus] {
    order.compactMap { entries[$0]?.status }
  }

  /// The outcome of the last configuration load.
  public func configuration() -> ConfigurationReport { configurationReport }

  public func subscribe() -> AsyncStream<StatusEvent> {
    let id = UUID()
    let (stream, continuation) = AsyncStream<StatusEvent>.makeStream(
      bufferingPolicy: .bufferingNewest(256))
    continuation.yield(.snapshot(snapshot()))
    if configurationReport != ConfigurationReport(applied: true) {
      continuation.yield(.configuration(configurationReport))
    }
    guard !stopped else {
      continuation.finish()
      return stream
    }
    subscribers[id] = continuation
    continuation.onTermination = { [weak self] _ in
      Task { await self?.unsubscribe(id) }
    }
    return stream
  }

  private func unsubscribe(_ id: UUID) {
    subscribers[id] = nil
  }

  private func broadcast(_ event: StatusEvent) {
    for continuation in subscribers.values { continuation.yield(event) }
  }

  private func apply(_ update: StatusUpdate) {
    switch update {
    case .added(let id, let name, let enabled, let roles):
      var entry = Entry(
        status: CameraStatus(id: id, name: name, state: enabled ? .connecting : .disabled),
        enabled: enabled,
        streams: [:])
      if enabled { entry.status.downSinceMs = clock.wallMs }
      for role in roles { entry.streams[role] = (.connecting, nil) }
      if entries[id] == nil { order.append(id) }
      entries[id] = entry
      broadcast(.changed(entry.status))
    case .removed(let id):
      guard entries.removeValue(forKey: id) != nil else { return }
      order.removeAll { $0 == id }
      broadcast(.removed(cameraId: id))
    case .renamed(let id, let name):
      change(id) { $0.status.name = name }
    case .stream(let id, let role, let state, let error):
      change(id) { entry in
        entry.streams[role] = (state, error)
        Self.combine(&entry, diskFullReason: diskFullReason, nowMs: clock.wallMs)
        if state != .connected && role != .record {
          entry.status.motion = false
        }
      }
    case .motion(let id, let on):
      change(id) { $0.status.motion = on }
    case .recording(let id, let on):
      change(id) { $0.status.recording = on }
    case .detectDecode(let id, let decode):
      change(id) { $0.status.detectDecode = decode }
    case .damage(let id, let role, let message):
      change(id) { entry in
        entry.damage[role] = message
        Self.combine(&entry, diskFullReason: diskFullReason, nowMs: clock.wallMs)
      }
    case .diskPressure(let reason):
      diskFullReason = reason
      let nowMs = clock.wallMs
      for id in order { change(id) { Self.combine(&$0, diskFullReason: reason, nowMs: nowMs) } }
    case .configuration(let report):
      configurationReport = report
      broadcast(.configuration(report))
    case .motionEvent(let event):
      broadcast(.motionEvent(event))
    case .export(let record):
      broadcast(.export(record))
    case .exportRemoved(let id):
      broadcast(.exportRemoved(id: id))
    }
  }

  private func change(_ id: String, _ body: (inout Entry) -> Void) {
    guard var entry = entries[id] else { return }
    let before = entry.status
    body(&entry)
    entries[id] = entry
    if entry.status != before { broadcast(.changed(entry.status)) }
  }

  /// One state for the camera from its inputs: the worst of them, with that input's error.
  private static func combine(_ entry: inout Entry, diskFullReason: String?, nowMs: Int64) {
    guard entry.enabled else {
      entry.status.state = .disabled
      entry.status.error = nil
      entry.status.downSinceMs = nil
      return
    }
    defer {
      if entry.status.state == .connected {
        entry.status.downSinceMs = nil
      } else if entry.status.downSinceMs == nil {
        entry.status.downSinceMs = nowMs
      }
    }
    let named = entry.streams.count > 1
    let worst: [ConnectionState] = [.reconnecting, .connecting, .connected]
    for state in worst {
      if let (role, value) = entry.streams.first(where: { $0.value.state == state }) {
        entry.status.state = state
        if let error = value.error, state != .connected {
          entry.status.error =
            named ? "\(role == .detect ? "detect_url" : "record_url"): \(error)" : error
        } else {
          // Connected but not recording what moves, or not seeing it well: say why.
          entry.status.error = diskFullReason ?? entry.damage.values.sorted().first
        }
        return
      }
    }
  }
}
