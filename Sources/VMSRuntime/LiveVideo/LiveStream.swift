// One camera input's live video for Media Source Extensions players: the stream reader hands it
// every packet it reads (no decoding, no encoding), and it fans them out to the viewers as MP4
// fragments, each viewer on its own timeline and behind its own byte budget (`LiveViewerQueue`).
// A frame's bytes are put in MP4 form once, in an `mdat` every viewer shares; each viewer only gets
// its own `moof` (about 100 bytes: its sequence number and decode time), and viewers that started
// at the same keyframe share that too. A viewer costs next to nothing but its socket's writes.
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
    /// As the camera sent it (Annex B, usually), while nobody needs it in the MP4 form.
    var data: [UInt8]
    /// Its mdat, once a viewer needed it (then `data` is let go): shared by every viewer.
    var sample: SharedSample?
    var dts: Int64
    var pts: Int64
    /// A video keyframe (never set for audio).
    var isKeyframe: Bool
    var isAudio = false

    var sizeBytes: Int { sample?.mdat.count ?? data.count }

    /// The shared mdat, made now if it was not yet.
    mutating func shared() -> SharedSample {
      if let sample { return sample }
      let made = data.withUnsafeBufferPointer { SharedSample($0, isAudio: isAudio) }
      sample = made
      data = []
      return made
    }
  }

  /// One frame in MP4 form, written once for all its viewers.
  struct SharedSample {
    let mdat: [UInt8]
    let sampleBytes: Int
    /// The camera sent it in Annex B form.
    let fromAnnexB: Bool

    init(_ accessUnit: UnsafeBufferPointer<UInt8>, isAudio: Bool = false) {
      (mdat, sampleBytes) =
        isAudio
        ? FragmentWriter.mdat(audioSample: accessUnit)
        : FragmentWriter.mdat(videoSample: accessUnit)
      fromAnnexB = !isAudio && NALUnits.isAnnexB(accessUnit)
    }

    /// The access unit in the form the camera sent it (what its decoder takes).
    var accessUnit: [UInt8] {
      let payload = mdat[(mdat.count - sampleBytes)...]
      return fromAnnexB ? NALUnits.annexB(lengthPrefixed: payload) : Array(payload)
    }
  }

  /// The newest keyframe, with what decodes it.
  struct Keyframe {
    var layout: StreamLayout
    var videoIndex: Int
    var generation: Int
    var dts: Int64
    /// As the camera sent it.
    var accessUnit: [UInt8]
  }

  /// The audio track (AAC) the init segment has besides the video, when the input has one.
  struct Audio {
    var index: Int
    var trackID: UInt32
    var timescale: UInt32
    var timeBase: Rational
    var sampleRate: Int
  }

  struct Description {
    var layout: StreamLayout
    var audio: Audio?
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
    var audioTimeline: LiveAudioTimeline?
    var sequence: UInt32 = 0
    var trackID: UInt32 = 1
    var audioTrackID: UInt32 = 2
    let wake: AsyncStream<Void>.Continuation

    init(budgetBytes: Int, wake: AsyncStream<Void>.Continuation) {
      queue = LiveViewerQueue(budgetBytes: budgetBytes)
      self.wake = wake
    }
  }

  private let state = Mutex(State())
  private let metrics: LiveVideoMetrics?
  private let snapshots = LiveSnapshot()

  /// `metrics`: where its viewers and skips are counted (none for a stream made in a test).
  init(metrics: LiveVideoMetrics? = nil) { self.metrics = metrics }

  public convenience init() { self.init(metrics: nil) }

  // MARK: producer (the stream reader's thread)

  /// The input (re)connected: a new generation with its own init segment.
  func connected(_ layout: StreamLayout) {
    var description: Description?
    var unsupported: String?
    if let video = layout.video {
      do {
        // With its AAC audio as a second track; an audio track that cannot be written costs only
        // the audio.
        let initSegment =
          try (try? LiveInitSegment(layout: layout, audio: true))
          ?? LiveInitSegment(layout: layout, audio: false)
        description = Description(
          layout: layout, audio: Self.audio(of: initSegment, in: layout), generation: 0,
          initSegment: initSegment, videoIndex: video.index,
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
        Self.start(viewer, in: &state)
        viewer.wake.yield()
      }
    }
  }

  /// A packet read from the input (any stream; its video and AAC audio go to viewers).
  func packet(
    streamIndex: Int, data: UnsafeBufferPointer<UInt8>, dts: Int64, pts: Int64, isKeyframe: Bool
  ) {
    // One lock per packet, the only cost while nobody watches (with one copy into the cache).
    let skips = state.withLock { state -> Int in
      guard let description = state.description else { return 0 }
      if streamIndex == description.audio?.index {
        return Self.audioPacket(data, pts: pts, in: &state)
      }
      guard streamIndex == description.videoIndex else { return 0 }
      // Before the first keyframe (or after the cache overflowed) with nobody watching, the packet
      // would be copied only to be thrown away.
      let watched = state.viewers.values.contains { $0.timeline != nil }
      if !isKeyframe && state.cache.isEmpty && !watched {
        state.lastDTS = dts
        return 0
      }
      // Watched: the MP4 form at once, for every viewer; else a plain copy, for one who may come.
      let packet = Packet(
        data: watched ? [] : Array(data), sample: watched ? SharedSample(data) : nil, dts: dts,
        pts: pts, isKeyframe: isKeyframe)
      if let last = state.lastDTS, dts > last {
        let seconds = description.timeBase.seconds(dts - last)
        let rate = Double(data.count) / max(seconds, 0.001)
        state.bytesPerSecond =
          state.bytesPerSecond == 0 ? rate : 0.95 * state.bytesPerSecond + 0.05 * rate
      }
      state.lastDTS = dts
      if isKeyframe { state.largestKeyframeBytes = max(state.largestKeyframeBytes, data.count) }
      Self.cache(packet, in: &state, timeBase: description.timeBase)
      guard watched, let sample = packet.sample else { return 0 }
      let budget = Self.budget(state)
      var moofs = Moofs()
      var skips = 0
      for viewer in state.viewers.values where viewer.timeline != nil {
        viewer.queue.budgetBytes = budget
        let skipsBefore = viewer.queue.skips
        if !Self.send(packet, sample, to: viewer, moofs: &moofs) { state.fragmentsSkipped += 1 }
        skips += viewer.queue.skips - skipsBefore
        // Also when the fragment was dropped: the viewer may have been told it is behind.
        viewer.wake.yield()
      }
      return skips
    }
    if skips > 0 { metrics?.skipped(skips) }
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
        Self.start(viewer, in: &state)
      } else if let down = state.downMessage {
        viewer.queue.say(down)
      }
      // Under the lock: two viewers coming (or going) at once publish their counts in order.
      metrics?.viewers(state.viewers.count)
      return state.nextViewerId
    }
    wake.yield()
    return LiveViewer(stream: self, id: id, signals: signals)
  }

  public var viewerCount: Int { state.withLock { $0.viewers.count } }

  /// A JPEG of the newest keyframe at the stream's resolution (decoded on request, reused for a
  /// second); nil while there is none (camera down, or a keyframe too large to keep).
  public func snapshotJPEG() async -> [UInt8]? { await snapshots.jpeg(of: self) }

  func newestKeyframe() -> Keyframe? {
    state.withLock { state in
      guard let description = state.description, let first = state.cache.first, first.isKeyframe
      else { return nil }
      return Keyframe(
        layout: description.layout, videoIndex: description.videoIndex,
        generation: description.generation, dts: first.dts,
        accessUnit: first.sample?.accessUnit ?? first.data)
    }
  }

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
    let viewer = state.withLock { state in
      let viewer = state.viewers.removeValue(forKey: id)
      if viewer != nil { metrics?.viewers(state.viewers.count) }
      return viewer
    }
    viewer?.wake.finish()
  }

  // MARK: rules

  /// An audio frame: cached after the newest keyframe, and sent to the viewers; the skips it made.
  private static func audioPacket(
    _ data: UnsafeBufferPointer<UInt8>, pts: Int64, in state: inout State
  ) -> Int {
    let watched = state.viewers.values.contains { $0.timeline != nil }
    // Audio before the first keyframe is of no use: a viewer starts at a keyframe.
    guard !state.cache.isEmpty || watched else { return 0 }
    let packet = Packet(
      data: watched ? [] : Array(data), sample: watched ? SharedSample(data, isAudio: true) : nil,
      dts: pts, pts: pts, isKeyframe: false, isAudio: true)
    if !state.cache.isEmpty {
      state.cache.append(packet)
      state.cacheBytes += packet.sizeBytes
    }
    guard watched, let sample = packet.sample else { return 0 }
    var moofs = Moofs()
    var skips = 0
    for viewer in state.viewers.values where viewer.timeline != nil {
      let skipsBefore = viewer.queue.skips
      _ = send(packet, sample, to: viewer, moofs: &moofs)
      skips += viewer.queue.skips - skipsBefore
      viewer.wake.yield()
    }
    return skips
  }

  /// The init segment's audio track, when it has one.
  private static func audio(of initSegment: LiveInitSegment, in layout: StreamLayout) -> Audio? {
    guard let track = initSegment.tracks.first(where: { !$0.isVideo }),
      let stream = layout.streams.first(where: { $0.index == track.streamIndex })
    else { return nil }
    return Audio(
      index: stream.index, trackID: track.id, timescale: track.timescale,
      timeBase: stream.timeBase, sampleRate: Int(stream.parameters.pointee.sample_rate))
  }

  /// How many bytes a viewer may have in flight now.
  private static func budget(_ state: State) -> Int {
    max(minimumBudgetBytes, Int(state.bytesPerSecond), 2 * state.largestKeyframeBytes)
  }

  /// Starts `viewer` on the current generation: description, init segment, cached packets.
  private static func start(_ viewer: Viewer, in state: inout State) {
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
    viewer.audioTimeline = description.audio.map {
      LiveAudioTimeline(
        timescale: $0.timescale, inputTimeBase: $0.timeBase, sampleRate: $0.sampleRate)
    }
    viewer.audioTrackID = description.audio?.trackID ?? 0
    var moofs = Moofs()
    for index in state.cache.indices {
      // In MP4 form once, kept so: the next viewer to come shares it.
      let sample = state.cache[index].shared()
      _ = send(state.cache[index], sample, to: viewer, moofs: &moofs)
    }
  }

  /// Queues `packet` as one fragment on the viewer's timeline; false when the viewer is behind.
  private static func send(
    _ packet: Packet, _ sample: SharedSample, to viewer: Viewer, moofs: inout Moofs
  ) -> Bool {
    guard var timeline = viewer.timeline else { return false }
    if packet.isAudio { return sendAudio(packet, sample, to: viewer, moofs: &moofs) }
    let placement = timeline.place(dts: packet.dts, pts: packet.pts)
    viewer.audioTimeline?.anchor(
      cameraSeconds: timeline.inputTimeBase.seconds(packet.dts),
      trackSeconds: Double(placement.baseDecodeTicks) / Double(timeline.timescale))
    let moof = nextMoof(
      for: viewer, trackID: viewer.trackID, placement, sample, isSync: packet.isKeyframe,
      moofs: &moofs)
    let fragment = LiveFragment(moof: moof, mdat: sample.mdat)
    guard viewer.queue.offer(fragment, isKeyframe: packet.isKeyframe) else {
      // Not sent: the timeline goes on as if it had been (the next sample starts after it).
      viewer.timeline = timeline
      return false
    }
    viewer.timeline = timeline
    return true
  }

  /// Queues an audio frame on the viewer's audio timeline (nothing when it has none, or when the
  /// frame falls before its video); false when the viewer is behind.
  private static func sendAudio(
    _ packet: Packet, _ sample: SharedSample, to viewer: Viewer, moofs: inout Moofs
  ) -> Bool {
    guard var audio = viewer.audioTimeline else { return true }
    let placed = audio.place(pts: packet.pts)
    viewer.audioTimeline = audio
    guard let baseTicks = placed else { return true }
    let placement = LiveTimeline.Placement(
      baseDecodeTicks: baseTicks, durationTicks: audio.frameTicks, compositionOffsetTicks: 0)
    let moof = nextMoof(
      for: viewer, trackID: viewer.audioTrackID, placement, sample, isSync: true, moofs: &moofs)
    return viewer.queue.offer(
      LiveFragment(moof: moof, mdat: sample.mdat), isKeyframe: false, isVideo: false)
  }

  /// The viewer's next moof (its sequence number goes up by one) for one sample placed at
  /// `placement` on track `trackID`: the one already written for another viewer when they match.
  private static func nextMoof(
    for viewer: Viewer, trackID: UInt32, _ placement: LiveTimeline.Placement,
    _ sample: SharedSample, isSync: Bool, moofs: inout Moofs
  ) -> [UInt8] {
    viewer.sequence += 1
    let key = MoofKey(sequence: viewer.sequence, trackID: trackID, placement: placement)
    if let shared = moofs[key] { return shared }
    let moof = FragmentWriter.moof(
      sequence: viewer.sequence,
      runs: [
        .init(
          trackID: trackID, baseDecodeTicks: placement.baseDecodeTicks,
          samples: [
            .init(
              sizeBytes: sample.sampleBytes, durationTicks: placement.durationTicks,
              compositionOffsetTicks: placement.compositionOffsetTicks, isSync: isSync)
          ])
      ])
    moofs[key] = moof
    return moof
  }

  /// What makes one frame's moof: viewers with the same (those that started at the same keyframe
  /// and kept their timelines alike) share one.
  struct MoofKey: Hashable {
    var sequence: UInt32
    var trackID: UInt32
    var placement: LiveTimeline.Placement
  }

  /// The moofs written for one frame so far.
  typealias Moofs = [MoofKey: [UInt8]]

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
      state.cacheBytes + packet.sizeBytes > cacheLimitBytes
        || timeBase.seconds(packet.dts - first.dts) > cacheLimitSeconds
    {
      state.cache = []
      state.cacheBytes = 0
      return
    }
    state.cache.append(packet)
    state.cacheBytes += packet.sizeBytes
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
    /// An init segment.
    case binary([UInt8])
    /// A fragment: one binary message (its moof then its shared mdat).
    case fragment(LiveFragment)
  }

  /// The next message, waiting for one; nil once the viewer has left.
  public func next() async -> Message? {
    while true {
      if let message = ready() { return message }
      guard await signals.next() != nil else { return nil }
    }
  }

  /// The next message if one is waiting, without waiting.
  func ready() -> Message? {
    switch stream.take(id) {
    case nil: return nil
    case .text(let text): return .text(text)
    case .fragment(let fragment, _): return .fragment(fragment)
    case .initSegment(let bytes): return .binary(bytes)
    }
  }

  /// The player's running total of fragment bytes appended to its buffer.
  public func acknowledge(totalBytes: Int) { stream.acknowledge(id, totalBytes: totalBytes) }

  /// Times this viewer fell behind and was moved to a later keyframe.
  public var skips: Int { stream.skips(id) }

  public func leave() { stream.leave(id) }
}
