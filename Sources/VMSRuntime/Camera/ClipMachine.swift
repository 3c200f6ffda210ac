// The clip state machine of one camera, as a value: events in, actions out. It decides when a clip
// opens, from which packet, which packets go into it, when it splits and when it closes, and where
// its index row starts and may end. It touches no file, index, clock or log: the `Recorder` feeds
// it events, carries out the actions it returns, and reports back how they went. So every timing
// rule of recording can be tested by feeding it packets.
//
// States: idle (only the pre-roll ring fills) -> recording (from the ring's keyframe `pre_roll`
// before the motion) -> post-roll (motion over, still recording) -> idle once `post_roll` and
// `min_duration` have passed; at the first keyframe past `max_duration` a clip is closed and the
// next one opened on that keyframe. Stream time (the camera's timestamps), not the wall clock,
// measures every duration, so a clip lasts what its settings say whatever the network jitter.
//
// In continuous mode (`recording.mode: continuous`) a clip opens at the first keyframe whatever the
// motion, never closes for quiet, and splits like a long event at the first keyframe past
// `segment`: one file after another, no frame lost or repeated between them.
//
// The protocol, for one event:
//   machine.<event>(...)                       // connected, packet, motion, gap, ...
//   while let action = machine.next() {        // carry out, in order, reporting each outcome:
//     .open     -> opened() or openFailed(atNanos:)
//     .write    -> writeFailed(atNanos:) on failure (the rest of the event's actions are dropped)
//     .close    -> closed(endMs:) with the row's end once the row is complete
//   }
import VMSConfig
import VMSMedia

struct ClipMachine {
  enum Action: Equatable {
    /// Open a clip on `packets` (the first is a video keyframe) and write them all; its index row
    /// starts at `startMs` (wall clock of the first frame shown).
    case open(packets: [MediaPacket], startMs: Int64)
    /// Write a packet to the open clip.
    case write(MediaPacket)
    /// Record the open clip's progress in the index; its row must not end after `endBoundMs`.
    case progress(endBoundMs: Int64)
    /// Close the open clip; its row must not end after `endBoundMs`. `damaged`: a write failed,
    /// keep only the complete fragments of the file.
    case close(reason: String, endBoundMs: Int64, damaged: Bool)
    /// Motion began but the disk is too full to record it (once per pause).
    case notRecordedDiskFull
  }

  /// The record input's video track, which times everything.
  struct Video: Equatable {
    var index: Int
    var timeBase: Rational
  }

  /// How far past its last packet's arrival a row may end: the last frame's own duration and the
  /// jitter between the camera's clock and ours. Beyond it the camera's timestamps ran ahead.
  static let endSlackMs: Int64 = 500
  /// How much later than its start a motion may be confirmed: the ring keeps this on top of the
  /// pre-roll so a clip still starts `pre_roll` before the motion itself.
  static let detectionLatencySeconds = 3.0
  /// Motion is seen a little after it begins: an object entering the frame must first cover
  /// `min_area_percent` of it. Clips start this much earlier than the detected start on top of the
  /// pre-roll, so the pre-roll is really there before the motion itself.
  static let detectionLagSeconds = 0.5
  /// After a failed write (a disk full to the last byte, a failing disk) new clips are tried only
  /// this long after it rather than at every frame.
  static let retryWritesAfterNanos: UInt64 = 10_000_000_000
  /// How often (stream seconds) an open clip's progress goes to the index.
  static let progressEverySeconds = 2.0

  private struct OpenClip {
    var startSeconds: Double
    /// Nil until resolved: a split's row starts where the previous row ended, known once closed.
    var startMs: Int64?
    var lastProgressSeconds: Double
    /// When the last packet written was read (wall clock, ms): the row never ends much later.
    var lastWrittenWallMs: Int64

    var endBoundMs: Int64 {
      let start = startMs ?? lastWrittenWallMs
      return max(start, lastWrittenWallMs + ClipMachine.endSlackMs)
    }
  }

  private enum Step {
    case ready(Action)
    /// A split's open: its start is the previous row's end, reported by `closed(endMs:)`.
    case openContinuing(packets: [MediaPacket], measuredStartMs: Int64)
  }

  private(set) var settings: RecordingSettings
  private var video: Video?
  private var ring = PacketRing()
  private var motion = false
  private var motionStartedAt = 0.0
  private var motionStoppedAt: Double?
  /// The newest video packet's time: stream seconds and wall clock ms.
  private var nowSeconds = 0.0
  private var nowWallMs: Int64 = 0
  private var clip: OpenClip?
  private var writesFailedAtNanos: UInt64?
  /// Where the previous clip ended, in stream time (this connection) and in the index (wall ms):
  /// the next clip starts after both, so a camera's clips never overlap, pre-roll or not.
  private var previousEndSeconds: Double?
  private var previousEndMs: Int64?
  private var reportedPause = false
  private var steps: [Step] = []
  private var nextStep = 0

  init(settings: RecordingSettings) {
    self.settings = settings
  }

  /// Whether a clip is open.
  var isRecording: Bool { clip != nil }

  // MARK: events

  /// The record input (re)connected; `video` is nil when it has no video stream.
  mutating func connected(video: Video?) {
    close(reason: "stream reconnected")
    ring.removeAll()
    previousEndSeconds = nil
    self.video = video
  }

  /// The record input was lost.
  mutating func disconnected() {
    close(reason: "stream lost")
    ring.removeAll()
    previousEndSeconds = nil
    video = nil
  }

  /// Packets were dropped before they reached the recorder: the clip must not go on over the hole.
  mutating func gap() {
    close(reason: "packets dropped: the disk fell behind")
    ring.removeAll()
  }

  /// The camera stops: the open clip is closed.
  mutating func stopped() {
    close(reason: "camera stopped")
  }

  /// New recording settings (hot reload); the open clip goes on under them, unless the mode
  /// changed: a clip of one mode does not go on as one of the other.
  mutating func settingsChanged(_ new: RecordingSettings) {
    let modeChanged = new.mode != settings.mode
    settings = new
    if !new.enabled {
      close(reason: "recording disabled")
    } else if modeChanged {
      close(reason: "recording mode changed to \(new.mode.rawValue)")
    }
  }

  private var continuous: Bool { settings.mode == .continuous }

  /// Motion started or stopped. The detector confirms motion a few frames after it began, and its
  /// end a quiet second after it ended: both are placed where they happened, in stream time
  /// (`atStreamSeconds`, when detection reads the record input) or through the wall clock.
  mutating func motion(_ on: Bool, atWallMs: Int64, atStreamSeconds: Double?) {
    let at = atStreamSeconds ?? min(nowSeconds, nowSeconds - Double(nowWallMs - atWallMs) / 1000)
    motion = on
    if on {
      motionStartedAt = at
      motionStoppedAt = nil
    } else {
      motionStoppedAt = at
    }
  }

  /// A packet of the record input, in arrival order. `diskPaused`: the disk is too full to record.
  /// `nowNanos`: a monotonic clock, for the pause after failed writes.
  mutating func packet(_ packet: MediaPacket, diskPaused: Bool, nowNanos: UInt64) {
    guard let video else { return }
    let isVideo = packet.streamIndex == video.index
    if isVideo {
      nowSeconds = video.timeBase.seconds(packet.dts)
      nowWallMs = packet.receivedAtMs
    }
    ring.append(
      packet, videoSeconds: isVideo ? nowSeconds : nil,
      keepSeconds: settings.preRollSeconds + Self.detectionLatencySeconds)

    if var open = clip {
      if isVideo && packet.isKeyframe && diskPaused {
        close(reason: "disk full")
        return
      }
      let splitAfterSeconds = continuous ? settings.segmentSeconds : settings.maxDurationSeconds
      if isVideo && packet.isKeyframe && nowSeconds - open.startSeconds >= splitAfterSeconds {
        // Split: this keyframe ends one clip and starts the next, so no frame is lost or repeated.
        close(reason: continuous ? "segment complete" : "max_duration reached")
        begin(from: [packet], continuingPrevious: true)
        return
      }
      steps.append(.ready(.write(packet)))
      open.lastWrittenWallMs = packet.receivedAtMs
      clip = open
      guard isVideo else { return }
      if nowSeconds - open.lastProgressSeconds >= Self.progressEverySeconds {
        clip?.lastProgressSeconds = nowSeconds
        steps.append(.ready(.progress(endBoundMs: open.endBoundMs)))
      }
      guard !continuous else { return }  // recorded whatever moves: never closed for quiet
      let quietFor = motionStoppedAt.map { nowSeconds - $0 } ?? -1
      if !motion && quietFor >= settings.postRollSeconds
        && nowSeconds - open.startSeconds >= settings.minDurationSeconds
      {
        close(reason: "post_roll elapsed")
      }
    } else if (motion || continuous) && settings.enabled && isVideo && !ring.isEmpty {
      // A full disk pauses recording rather than writing files that cannot be completed.
      if diskPaused {
        if !reportedPause {
          reportedPause = true
          steps.append(.ready(.notRecordedDiskFull))
        }
        return
      }
      reportedPause = false
      if let failedAt = writesFailedAtNanos, nowNanos &- failedAt < Self.retryWritesAfterNanos {
        return
      }
      // Continuous: from the newest keyframe (after a pause, the footage since it is not lost).
      let from =
        continuous
        ? nowSeconds : motionStartedAt - settings.preRollSeconds - Self.detectionLagSeconds
      begin(from: ring.packets(fromKeyframeAtOrBefore: from, after: previousEndSeconds))
    }
  }

  // MARK: actions and their outcomes

  /// The next action to carry out, or nil when there is none left.
  mutating func next() -> Action? {
    guard nextStep < steps.count else {
      steps.removeAll(keepingCapacity: true)
      nextStep = 0
      return nil
    }
    let step = steps[nextStep]
    nextStep += 1
    switch step {
    case .ready(let action):
      return action
    case .openContinuing(let packets, let measuredStartMs):
      let startMs = previousEndMs ?? measuredStartMs
      clip?.startMs = startMs
      return .open(packets: packets, startMs: startMs)
    }
  }

  /// The clip of the last `.open` was created and its packets written.
  mutating func opened() {
    writesFailedAtNanos = nil
  }

  /// The clip of the last `.open` could not be created (nothing of it is left).
  mutating func openFailed(atNanos: UInt64) {
    clip = nil
    writesFailedAtNanos = atNanos
    dropPendingActions()
  }

  /// A `.write` failed: the clip is closed at once, keeping what is complete in its file.
  mutating func writeFailed(atNanos: UInt64) {
    // The packet whose write failed may also have ended the clip (post_roll elapsed): its close is
    // among the dropped actions, and the clip is closed damaged in its place.
    let closing = steps[nextStep...].lazy.compactMap { step -> Int64? in
      if case .ready(.close(_, let endBoundMs, _)) = step { return endBoundMs }
      return nil
    }.first
    dropPendingActions()
    writesFailedAtNanos = atNanos
    if let endBoundMs = closing {
      steps.append(.ready(.close(reason: "write error", endBoundMs: endBoundMs, damaged: true)))
    } else {
      close(reason: "write error", damaged: true)
    }
  }

  /// The clip of a `.close` is in the index, its row ending at `endMs`: the next one starts after.
  mutating func closed(endMs: Int64) {
    previousEndMs = endMs
  }

  // MARK: internals

  private mutating func dropPendingActions() {
    steps.removeAll(keepingCapacity: true)
    nextStep = 0
  }

  private mutating func close(reason: String, damaged: Bool = false) {
    guard let open = clip else { return }
    clip = nil
    previousEndSeconds = nowSeconds
    steps.append(.ready(.close(reason: reason, endBoundMs: open.endBoundMs, damaged: damaged)))
  }

  /// Opens a clip on `packets` (starting at a video keyframe). `continuingPrevious`: a split at
  /// max_duration, whose row starts exactly where the previous one ended (the same frames'
  /// boundary; the wall clock's jitter must not open a gap).
  private mutating func begin(from packets: [MediaPacket], continuingPrevious: Bool = false) {
    guard let video, let first = packets.first, first.isKeyframe, first.streamIndex == video.index
    else { return }
    // The row starts at the first frame shown (its presentation time): with B-frames a keyframe is
    // decoded before it is shown, and its decode time would start the row a frame or two early.
    let shownSeconds = video.timeBase.seconds(first.pts)
    let measuredMs = nowWallMs - Int64(((nowSeconds - shownSeconds) * 1000).rounded())
    let lastWrittenWallMs = packets.last?.receivedAtMs ?? nowWallMs
    clip = OpenClip(
      startSeconds: video.timeBase.seconds(first.dts), startMs: nil,
      lastProgressSeconds: nowSeconds,
      lastWrittenWallMs: lastWrittenWallMs)
    if continuingPrevious {
      steps.append(.openContinuing(packets: packets, measuredStartMs: measuredMs))
    } else {
      let startMs = max(measuredMs, previousEndMs ?? .min)
      clip?.startMs = startMs
      steps.append(.ready(.open(packets: packets, startMs: startMs)))
    }
  }
}
