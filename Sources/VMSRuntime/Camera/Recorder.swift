// The clip state machine of one camera: idle -> recording -> post-roll -> finalised.
//
// A `Recorder` consumes the camera's `RecorderEvent`s in order on its own thread (file writes and
// fsync block), keeps the pre-roll ring, and on motion writes a fragmented MP4 by stream copy. It
// records until `post_roll` after the last motion and for at least `min_duration`, and splits at
// the first keyframe past `max_duration` so the next clip continues without a gap. Stream time (the
// camera's timestamps), not the wall clock, measures every duration, so a clip lasts what its
// settings say whatever the network jitter.
import Foundation
import Logging
import Storage
import VMSConfig

actor Recorder {
  private struct OpenClip {
    var record: ClipRecord
    var writer: ClipWriter
    var startSeconds: Double
    var lastProgressSeconds: Double
    var hasThumbnail: Bool
    /// When the last packet written was read (wall clock, ms): the row never ends much later.
    var lastWrittenWallMs: Int64
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

  nonisolated let executor: ThreadExecutor
  nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

  private let cameraId: String
  private var settings: RecordingSettings
  private let index: ClipIndex
  private let hub: StatusHub
  private let storage: StorageHooks
  private let backlog: RecorderBacklog
  /// When packets were last reported dropped (monotonic ns; 0: never), to log at most once a minute.
  private var gapLoggedAt: UInt64 = 0
  private let log: Logger
  /// Whether the "disk full" pause was logged (once per pause, not per packet).
  private var reportedPause = false

  private var layout: StreamLayout?
  private var ring = PacketRing()
  private var motion = false
  private var motionStartedAt = 0.0
  private var motionStoppedAt: Double?
  private var nowSeconds = 0.0
  private var nowWallMs: Int64 = 0
  private var clip: OpenClip?
  /// When a clip write last failed (monotonic ns; the stream's clock restarts with each
  /// connection): new clips wait `retryWritesAfterNanos` after it.
  private var writesFailedAtNanos: UInt64?
  static let retryWritesAfterNanos: UInt64 = 10_000_000_000
  /// Where the previous clip ended, in stream time (this connection) and in the index (wall ms):
  /// the next clip starts after both, so a camera's clips never overlap, pre-roll or not.
  private var previousEndSeconds: Double?
  private var previousEndMs: Int64?
  private var pendingThumbnail: [UInt8]?
  private var warnedAudio = false
  /// Set when the camera sends G.711: its packets are turned into AAC before the ring.
  private var audioTranscoder: AudioTranscoder?
  private let metrics: ClipMetrics

  init(
    cameraId: String, settings: RecordingSettings, index: ClipIndex, hub: StatusHub, storage: StorageHooks,
    backlog: RecorderBacklog = RecorderBacklog(), log: Logger
  ) {
    self.storage = storage
    self.backlog = backlog
    executor = ThreadExecutor(name: "rec-\(cameraId)")
    self.cameraId = cameraId
    self.settings = settings
    self.index = index
    self.hub = hub
    self.log = log
    metrics = ClipMetrics(cameraId: cameraId)
  }

  /// Consumes events until the stream finishes (the camera stops), then finalises any open clip.
  func run(_ events: AsyncStream<RecorderEvent>) async {
    for await event in events { handle(event) }
    finalise(reason: "camera stopped")
    executor.shutdown()
  }

  private func handle(_ event: RecorderEvent) {
    switch event {
    case .connected(let newLayout):
      finalise(reason: "stream reconnected")
      ring.removeAll()
      previousEndSeconds = nil
      layout = newLayout
      audioTranscoder = nil
      if !newLayout.streams.contains(where: ClipWriter.canCopyAudio),
        let g711 = newLayout.streams.first(where: AudioTranscoder.canTranscode)
      {
        do {
          let transcoder = try AudioTranscoder(stream: g711)
          audioTranscoder = transcoder
          layout = newLayout.replacing(
            g711.index, parameters: transcoder.outputParameters, timeBase: transcoder.outputTimeBase, codecName: "aac")
        } catch {
          log.warning("G.711 audio is not recorded: \(error)")
        }
      } else if !warnedAudio,
        let audio = newLayout.streams.first(where: { $0.isAudio && !ClipWriter.canCopyAudio($0) })
      {
        warnedAudio = true
        log.warning("audio track \(audio.codecName) is not recorded: only AAC and G.711 audio can go into MP4 clips")
      }
    case .packets(let packets):
      for packet in packets {
        if let transcoder = audioTranscoder, packet.streamIndex == transcoder.streamIndex {
          for aac in transcoder.transcode(packet) { handle(aac) }
        } else {
          handle(packet)
        }
      }
      backlog.written(packets)
    case .gap:
      let now = InterruptState.now()
      if gapLoggedAt == 0 || now - gapLoggedAt > 60_000_000_000 {
        gapLoggedAt = now
        log.error(
          "the disk is too slow for this camera: \(backlog.packetsDropped) packets dropped so far (more than \(backlog.limitBytes >> 20) MB waited to be written); check the data disk")
      }
      metrics.gap()
      finalise(reason: "packets dropped: the disk fell behind")
      ring.removeAll()
    case .disconnected:
      finalise(reason: "stream lost")
      ring.removeAll()
      previousEndSeconds = nil
      layout = nil
    case .motion(let on, let atWallMs, let atStreamSeconds):
      // The detector confirms motion a few frames after it began, and its end a quiet second after
      // it ended: place both where they happened, in stream time (through the wall clock when
      // detection reads another input).
      let at = atStreamSeconds ?? min(nowSeconds, nowSeconds - Double(nowWallMs - atWallMs) / 1000)
      motion = on
      if on {
        motionStartedAt = at
        motionStoppedAt = nil
        pendingThumbnail = nil
      } else {
        motionStoppedAt = at
      }
    case .settings(let new):
      settings = new
      if !new.enabled { finalise(reason: "recording disabled") }
    case .thumbnail(let jpeg):
      if var open = clip, !open.hasThumbnail {
        open.hasThumbnail = writeThumbnail(jpeg, for: open.record)
        clip = open
      } else if clip == nil {
        pendingThumbnail = jpeg
      }
    }
  }

  private func handle(_ packet: MediaPacket) {
    guard let layout, let video = layout.video else { return }
    let isVideo = packet.streamIndex == video.index
    if isVideo {
      nowSeconds = video.timeBase.seconds(packet.dts)
      nowWallMs = packet.receivedAtMs
    }
    ring.append(
      packet, videoSeconds: isVideo ? nowSeconds : nil,
      keepSeconds: settings.preRollSeconds + Self.detectionLatencySeconds)

    if var open = clip {
      if isVideo && packet.isKeyframe && storage.pressure.isPaused {
        finalise(reason: "disk full")
        return
      }
      if isVideo && packet.isKeyframe && nowSeconds - open.startSeconds >= settings.maxDurationSeconds {
        // Split: this keyframe ends one clip and starts the next, so no frame is lost or repeated.
        finalise(reason: "max_duration reached")
        _ = openClip(from: [packet], continuingPrevious: true)
        return
      }
      do {
        try open.writer.write(packet)
        open.lastWrittenWallMs = packet.receivedAtMs
        clip = open
      } catch {
        log.error("clip \(open.record.file): \(error); the clip is closed")
        writesFailedAtNanos = InterruptState.now()
        finalise(reason: "write error", fileDamaged: true)
        return
      }
      if isVideo {
        if nowSeconds - open.lastProgressSeconds >= 2 {
          open.lastProgressSeconds = nowSeconds
          clip = open
          reportProgress(open)
        }
        let quietFor = motionStoppedAt.map { nowSeconds - $0 } ?? -1
        if !motion && quietFor >= settings.postRollSeconds
          && nowSeconds - open.startSeconds >= settings.minDurationSeconds
        {
          finalise(reason: "post_roll elapsed")
        }
      }
    } else if motion && settings.enabled && isVideo && !ring.isEmpty {
      // A full disk pauses recording rather than writing files that cannot be completed.
      if storage.pressure.isPaused {
        if !reportedPause {
          reportedPause = true
          log.warning("motion not recorded: \(storage.pressure.reason ?? "the data disk is full")")
        }
        return
      }
      reportedPause = false
      // After a failed write (a disk full to the last byte, a failing disk), try again only now
      // and then rather than at every frame.
      if let failedAt = writesFailedAtNanos, InterruptState.now() &- failedAt < Self.retryWritesAfterNanos { return }
      _ = openClip(
        from: ring.packets(
          fromKeyframeAtOrBefore: motionStartedAt - settings.preRollSeconds - Self.detectionLagSeconds,
          after: previousEndSeconds))
    }
  }

  /// Opens a clip on `packets` (starting at a video keyframe) and writes them. False on failure.
  /// `continuingPrevious`: a split at max_duration, whose row starts exactly where the previous
  /// one ended (the same frames' boundary; the wall clock's jitter must not open a gap).
  private func openClip(from packets: [MediaPacket], continuingPrevious: Bool = false) -> Bool {
    guard let layout, let video = layout.video, let first = packets.first, first.isKeyframe,
      first.streamIndex == video.index
    else { return false }
    // The row starts at the first frame shown (its presentation time): with B-frames a keyframe is
    // decoded before it is shown, and its decode time would start the row a frame or two early.
    let startSeconds = video.timeBase.seconds(first.dts)
    let shownSeconds = video.timeBase.seconds(first.pts)
    let measuredMs = nowWallMs - Int64(((nowSeconds - shownSeconds) * 1000).rounded())
    let startMs =
      continuingPrevious ? (previousEndMs ?? measuredMs) : max(measuredMs, previousEndMs ?? .min)
    let record: ClipRecord
    do {
      record = try index.beginClip(cameraId: cameraId, startMs: startMs)
    } catch {
      log.error("cannot start a clip: \(error)")
      writesFailedAtNanos = InterruptState.now()
      return false
    }
    do {
      let path = try index.absolutePath(of: record.file)
      let writer = try ClipWriter(path: path, layout: layout, start: first, startedAtMs: startMs)
      for packet in packets { try writer.write(packet) }
      clip = OpenClip(
        record: record, writer: writer, startSeconds: startSeconds, lastProgressSeconds: nowSeconds,
        hasThumbnail: false, lastWrittenWallMs: packets.last?.receivedAtMs ?? nowWallMs)
    } catch {
      log.error("cannot write clip \(record.file): \(error)")
      try? index.deleteClip(id: record.id)
      writesFailedAtNanos = InterruptState.now()
      return false
    }
    writesFailedAtNanos = nil
    log.info("clip started: \(record.file)")
    hub.post(.recording(cameraId: cameraId, true))
    if let jpeg = pendingThumbnail {
      pendingThumbnail = nil
      clip?.hasThumbnail = writeThumbnail(jpeg, for: record)
    }
    return true
  }

  /// The row's end and duration: the file's duration, but never ending more than `endSlackMs` after
  /// its last packet arrived (timestamps that jump ahead, from a damaged or confused camera, would
  /// otherwise stretch the row over the next clip's).
  private func rowEnd(_ open: OpenClip) -> (endMs: Int64, durationMs: Int64) {
    let fileMs = Int64((open.writer.durationSeconds * 1000).rounded())
    let endMs = min(open.record.startMs + fileMs, max(open.record.startMs, open.lastWrittenWallMs + Self.endSlackMs))
    return (endMs, endMs - open.record.startMs)
  }

  private func reportProgress(_ open: OpenClip) {
    let (endMs, durationMs) = rowEnd(open)
    do {
      try index.updateProgress(
        id: open.record.id, endMs: endMs, durationMs: durationMs,
        sizeBytes: open.writer.bytesWritten)
    } catch {
      log.warning("cannot update clip \(open.record.file) in the index: \(error)")
    }
  }

  /// Closes the open clip. `fileDamaged`: a write failed, so whatever the trailer does, only the
  /// complete fragments of the file are kept.
  private func finalise(reason: String, fileDamaged: Bool = false) {
    guard let open = clip else { return }
    clip = nil
    defer {
      previousEndSeconds = nowSeconds
      hub.post(.recording(cameraId: cameraId, false))
      storage.clipClosed()
    }
    let finishStarted = InterruptState.now()
    let sizeBytes: Int64
    do {
      sizeBytes = try open.writer.finish()
      if fileDamaged {
        salvage(open, reason: reason)
        return
      }
    } catch {
      // A full disk (or a failing one) cut the file short: keep what is complete in it.
      log.error("clip \(open.record.file): \(error)")
      salvage(open, reason: reason)
      return
    }
    metrics.clipWritten(finaliseNanos: InterruptState.now() - finishStarted)
    let (endMs, durationMs) = rowEnd(open)
    if endMs < open.record.startMs + Int64((open.writer.durationSeconds * 1000).rounded()) {
      log.warning(
        "clip \(open.record.file): the camera's timestamps ran ahead of the clock; its index row ends at its last packet")
    }
    complete(open, endMs: endMs, durationMs: durationMs, sizeBytes: sizeBytes, reason: reason)
  }

  /// A clip whose file could not be finished: cut to its last complete fragment and indexed with
  /// what that holds, or removed when nothing in it plays.
  private func salvage(_ open: OpenClip, reason: String) {
    do {
      let path = try index.absolutePath(of: open.record.file)
      let sizeBytes = try FragmentedMP4.trimToCompleteFragments(path)
      let probe = try MediaProbe.probe(path: path)
      let (endMs, _) = rowEnd(open)
      let durationMs = min(Int64((probe.durationSeconds * 1000).rounded()), endMs - open.record.startMs)
      complete(
        open, endMs: open.record.startMs + durationMs, durationMs: durationMs, sizeBytes: sizeBytes,
        reason: "\(reason), kept to its last complete fragment")
    } catch {
      log.error("clip \(open.record.file) has nothing playable (\(error)); removing it")
      do {
        try index.deleteClip(id: open.record.id)
      } catch {
        log.error("cannot remove clip \(open.record.file): \(error); the start-up check will")
      }
    }
  }

  private func complete(_ open: OpenClip, endMs: Int64, durationMs: Int64, sizeBytes: Int64, reason: String) {
    previousEndMs = endMs
    do {
      try index.finishClip(
        id: open.record.id, endMs: endMs, durationMs: durationMs,
        sizeBytes: sizeBytes, hasThumbnail: open.hasThumbnail)
    } catch {
      log.error("cannot complete clip \(open.record.file) in the index: \(error)")
    }
    log.info(
      "clip complete: \(open.record.file), \(String(format: "%.1f", Double(durationMs) / 1000)) s, \(sizeBytes) bytes (\(reason))"
    )
  }

  private func writeThumbnail(_ jpeg: [UInt8], for record: ClipRecord) -> Bool {
    guard let relative = record.thumbnail, let path = try? index.absolutePath(of: relative) else { return false }
    do {
      try Data(jpeg).write(to: URL(fileURLWithPath: path), options: .atomic)
      return true
    } catch {
      log.warning("cannot write thumbnail \(relative): \(error)")
      return false
    }
  }
}
