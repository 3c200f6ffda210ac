// One camera input's live video for Media Source Extensions players: the stream reader hands it
// every packet it reads (no decoding, no encoding), and it fans them out to the viewers as MP4
// fragments, each viewer on its own timeline and behind its own byte budget (`LiveViewerQueue`).
//
// A new viewer gets the stream's description, its init segment and the packets from the newest
// keyframe on (kept here, at most `cacheLimitBytes` and `cacheLimitSeconds`), so its first picture
// comes at once whatever the camera's GOP. A reconnection or new stream parameters start a new
// generation: every viewer is told, and starts over from the new init segment. A camera that is down
// is said in a state message; the viewers stay connected until it is back.
//
// The producer side (`connected`, `packet`, `disconnected`) runs on the reader's thread and never
// waits for a viewer: it takes one lock per packet. A stream kept across camera restarts (see
// `LiveStreams`) keeps its viewers.
import Foundation
import Synchronization
import VMSMedia

public final class LiveStream: Sendable {
  static let cacheLimitBytes = 12 << 20
  static let cacheLimitSeconds = 12.0
  /// A viewer may have one second of the stream in flight, and at least two of its keyframes and
  /// this much: a player more than about a second behind is moved to the next keyframe.
  static let minimumBudgetBytes = 64 << 10

  struct Packet {
    /// As the camera sent it (Annex B, usually); turned into the MP4 form when a viewer needs it.
    var data: [UInt8]
    var dts: Int64
    var pts: Int64
    var isKeyframe: Bool
  }

  struct Description {
    var generation: Int
    var initSegment: LiveInitSegment
    var videoIndex: Int
    var timeBase: Rational
    var frameRate: Rational
    var width: Int
    var height: Int
  }

  fileprivate struct State {
    var generation = 0
    var description: Description?
    /// Why the current stream cannot be carried (its codec), when it cannot.
    var unsupported: String?
    /// The latest state message (camera down), sent to viewers who join meanwhile.
    var downMessage: String?
    var cache: [Packet] = []
    var cacheBytes = 0
    /// Bytes per second of the stream (moving average), for the viewers' budgets.
    var bytesPerSecond = 0.0
    var lastDTS: Int64?
    /// The largest keyframe of this generation.
    var largestKeyframeBytes = 0
    var viewers: [UInt64: Viewer] = [:]
    var nextViewerId: UInt64 = 0
    var fragmentsSkipped = 0
  }

  /// Touched only under the stream's lock (`wake` is thread-safe).
  fileprivate final class Viewer: @unchecked Sendable {
    var queue: LiveViewerQueue
    var timeline: LiveTimeline?
    var sequence: UInt32 = 0
    var trackID: UInt32 = 1
    let wake: AsyncStream<Void>.Continuation

    init(budgetBytes: Int, wake: AsyncStream<Void>.Continuation) {
      queue = LiveViewerQueue(budgetBytes: budgetBytes)
      self.wake = wake
    }
  }

  private let state = Mutex(State())

  public init() {}

  // MARK: producer (the stream reader's thread)

  /// The input (re)connected: a new generation with its own init segment.
  func connected(_ layout: StreamLayout) {
    var description: Description?
    var unsupported: String?
    if let video = layout.video {
      do {
        let initSegment = try LiveInitSegment(layout: layout, audio: false)
        description = Description(
          generation: 0, initSegment: initSegment, videoIndex: video.index,
          timeBase: video.timeBase, frameRate: video.frameRate, width: video.width,
          height: video.height)
      } catch {
        unsupported = video.codecName
      }
    }
    state.withLock { state in
      state.generation += 1
      description?.generation = state.generation
      state.description = description
      state.unsupported = unsupported
      state.downMessage = nil
      state.cache = []
      state.cacheBytes = 0
      state.lastDTS = nil
      state.largestKeyframeBytes = 0
      for viewer in state.viewers.values {
        Self.start(viewer, in: state)
        viewer.wake.yield()
      }
    }
  }

  /// A packet read from the input (any stream; only its video goes to viewers).
  func packet(
    streamIndex: Int, data: UnsafeBufferPointer<UInt8>, dts: Int64, pts: Int64, isKeyframe: Bool
  ) {
    // One lock per packet, the only cost while nobody watches (with one copy into the cache).
    state.withLock { state in
      guard let description = state.description, streamIndex == description.videoIndex else {
        return
      }
      // Before the first keyframe (or after the cache overflowed) with nobody watching, the packet
      // would be copied only to be thrown away.
      let watched = state.viewers.values.contains { $0.timeline != nil }
      if !isKeyframe && state.cache.isEmpty && !watched {
        state.lastDTS = dts
        return
      }
      let packet = Packet(data: Array(data), dts: dts, pts: pts, isKeyframe: isKeyframe)
      if let last = state.lastDTS, dts > last {
        let seconds = description.timeBase.seconds(dts - last)
        let rate = Double(packet.data.count) / max(seconds, 0.001)
        state.bytesPerSecond =
          state.bytesPerSecond == 0 ? rate : 0.95 * state.bytesPerSecond + 0.05 * rate
      }
      state.lastDTS = dts
      if isKeyframe { state.largestKeyframeBytes = max(state.largestKeyframeBytes, data.count) }
      Self.cache(packet, in: &state, timeBase: description.timeBase)
      guard watched else { return }
      let sample = NALUnits.lengthPrefixed(packet.data)
      let budget = Self.budget(state)
      for viewer in state.viewers.values where viewer.timeline != nil {
        viewer.queue.budgetBytes = budget
        if !Self.send(packet, sample: sample, to: viewer) { state.fragmentsSkipped += 1 }
        // Also when the fragment was dropped: the viewer may have been told it is behind.
        viewer.wake.yield()
      }
    }
  }

  /// The input was lost (`reason`), or stopped (nil: the camera is stopped or restarted by a
  /// configuration change): viewers are told and wait for the next generation.
  func disconnected(reason: String?) {
    let message = Self.json(
      reason.map { ["type": "state", "state": "reconnecting", "error": $0] }
        ?? ["type": "state", "state": "stopped"])
    state.withLock { state in
      state.description = nil
      state.unsupported = nil
      state.downMessage = message
      state.cache = []
      state.cacheBytes = 0
      for viewer in state.viewers.values {
        viewer.queue.restart()
        viewer.timeline = nil
        viewer.queue.say(message)
        viewer.wake.yield()
      }
    }
  }

  // MARK: consumer (one per WebSocket)

  /// A new viewer: it gets the stream's description, init segment and the packets from the newest
  /// keyframe at once, then every packet as it comes.
  public func subscribe() -> LiveViewer {
    let (signals, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    let id = state.withLock { state in
      let viewer = Viewer(budgetBytes: Self.budget(state), wake: wake)
      state.nextViewerId += 1
      state.viewers[state.nextViewerId] = viewer
      if state.description != nil || state.unsupported != nil {
        Self.start(viewer, in: state)
      } else if let down = state.downMessage {
        viewer.queue.say(down)
      }
      return state.nextViewerId
    }
    wake.yield()
    return LiveViewer(stream: self, id: id, signals: signals)
  }

  public var viewerCount: Int { state.withLock { $0.viewers.count } }

  /// Fragments not sent to a viewer because it was behind, since the stream was made.
  public var fragmentsSkipped: Int { state.withLock { $0.fragmentsSkipped } }

  fileprivate func take(_ id: UInt64) -> LiveViewerQueue.Item? {
    state.withLock { $0.viewers[id]?.queue.take() }
  }

  fileprivate func acknowledge(_ id: UInt64, totalBytes: Int) {
    state.withLock { $0.viewers[id]?.queue.acknowledge(totalBytes: totalBytes) }
  }

  fileprivate func skips(_ id: UInt64) -> Int {
    state.withLock { $0.viewers[id]?.queue.skips ?? 0 }
  }

  fileprivate func leave(_ id: UInt64) {
    let viewer = state.withLock { $0.viewers.removeValue(forKey: id) }
    viewer?.wake.finish()
  }

  // MARK: rules

  /// How many bytes a viewer may have in flight now.
  private static func budget(_ state: State) -> Int {
    max(minimumBudgetBytes, Int(state.bytesPerSecond), 2 * state.largestKeyframeBytes)
  }

  /// Starts `viewer` on the current generation: description, init segment, cached packets.
  private static func start(_ viewer: Viewer, in state: State) {
    viewer.queue.restart()
    viewer.timeline = nil
    if let codec = state.unsupported {
      viewer.queue.say(json(["type": "unsupported", "codec": codec]))
      return
    }
    guard let description = state.description, let track = description.initSegment.tracks.first
    else { return }
    let fps = description.frameRate.asDouble
    viewer.queue.say(
      json([
        "type": "stream", "generation": description.generation,
        "mime": description.initSegment.mimeType,
        "codecs": description.initSegment.tracks.map(\.codec),
        "width": description.width, "height": description.height,
        "fps": fps > 0 ? (fps * 100).rounded() / 100 : 0,
      ]))
    viewer.queue.start(initSegment: description.initSegment.bytes)
    viewer.trackID = track.id
    viewer.sequence = 0
    viewer.timeline = LiveTimeline(
      timescale: track.timescale, inputTimeBase: description.timeBase,
      frameRate: description.frameRate)
    for packet in state.cache {
      _ = send(packet, sample: NALUnits.lengthPrefixed(packet.data), to: viewer)
    }
  }

  /// Queues `packet` as one fragment on the viewer's timeline; false when the viewer is behind.
  private static func send(_ packet: Packet, sample: [UInt8], to viewer: Viewer) -> Bool {
    guard var timeline = viewer.timeline else { return false }
    let placement = timeline.place(dts: packet.dts, pts: packet.pts)
    viewer.sequence += 1
    let fragment = FragmentWriter.fragment(
      sequence: viewer.sequence,
      runs: [
        .init(
          trackID: viewer.trackID, baseDecodeTicks: placement.baseDecodeTicks,
          samples: [
            .init(
              data: sample, durationTicks: placement.durationTicks,
              compositionOffsetTicks: placement.compositionOffsetTicks, isSync: packet.isKeyframe)
          ])
      ])
    guard viewer.queue.offer(fragment, isKeyframe: packet.isKeyframe) else {
      // Not sent: the timeline goes on as if it had been (the next sample starts after it).
      viewer.timeline = timeline
      return false
    }
    viewer.timeline = timeline
    return true
  }

  /// Keeps the packets from the newest keyframe, within the limits (past them, nothing until the
  /// next keyframe: a viewer then waits for it).
  private static func cache(_ packet: Packet, in state: inout State, timeBase: Rational) {
    if packet.isKeyframe {
      state.cache = []
      state.cacheBytes = 0
    } else if state.cache.isEmpty {
      return
    }
    if let first = state.cache.first,
      state.cacheBytes + packet.data.count > cacheLimitBytes
        || timeBase.seconds(packet.dts - first.dts) > cacheLimitSeconds
    {
      state.cache = []
      state.cacheBytes = 0
      return
    }
    state.cache.append(packet)
    state.cacheBytes += packet.data.count
  }

  static func json(_ object: [String: Any]) -> String {
    guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    else { return "{}" }
    return String(decoding: data, as: UTF8.self)
  }
}

/// One viewer of a `LiveStream`: what to send next, in order. Ends when the viewer leaves.
public final class LiveViewer: Sendable {
  private let stream: LiveStream
  private let id: UInt64
  /// One consumer (the viewer's socket) calls `next()`, one call at a time.
  nonisolated(unsafe) private var signals: AsyncStream<Void>.Iterator

  fileprivate init(stream: LiveStream, id: UInt64, signals: AsyncStream<Void>) {
    self.stream = stream
    self.id = id
    self.signals = signals.makeAsyncIterator()
  }

  public enum Message: Equatable, Sendable {
    case text(String)
    case binary([UInt8])
  }

  /// The next message, waiting for one; nil once the viewer has left.
  public func next() async -> Message? {
    while true {
      if let item = stream.take(id) {
        switch item {
        case .text(let text): return .text(text)
        case .fragment(let bytes, _), .initSegment(let bytes): return .binary(bytes)
        }
      }
      guard await signals.next() != nil else { return nil }
    }
  }

  /// The player's running total of fragment bytes appended to its buffer.
  public func acknowledge(totalBytes: Int) { stream.acknowledge(id, totalBytes: totalBytes) }

  /// Times this viewer fell behind and was moved to a later keyframe.
  public var skips: Int { stream.skips(id) }

  public func leave() { stream.leave(id) }
}
