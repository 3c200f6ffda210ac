// Carries out the clip state machine of one camera (`ClipMachine`): writes its clips and their
// index rows.
//
// A `Recorder` consumes the camera's `RecorderEvent`s in order on its own thread (file writes and
// fsync block). The machine decides when a clip opens, splits and closes and which packets go into
// it; the recorder owns what touches the world: the clip files (a fragmented MP4 by stream copy),
// the index rows, thumbnails, G.711 audio turned into AAC, the status hub, logs and metrics.
//
// It also keeps the camera's motion events (ClipIndex+Events.swift), in both recording modes: a
// motion start opens an event row at the moment the motion began, each higher peak (at most once a
// second, from the analyser) raises its score and replaces its thumbnail, the motion's end closes
// it. In events mode the event is tied to its clip, and motion that comes back while that clip is
// still being recorded (its post-roll) opens the same event again: one clip, one event.
import Foundation
import Logging
import Storage
import Timekeeping
import VMSConfig
import VMSMedia

actor Recorder {
  private struct OpenClip {
    var record: ClipRecord
    var writer: ClipWriter
    var hasThumbnail: Bool
  }

  nonisolated let executor: ThreadExecutor
  nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

  private let cameraId: String
  private let index: ClipIndex
  private let hub: StatusHub
  private let storage: StorageHooks
  private let backlog: RecorderBacklog
  /// When packets were last reported dropped (monotonic ns; 0: never), to log at most once a minute.
  private var gapLoggedAt: UInt64 = 0
  private let log: Logger
  private let clock: EngineClock

  private var machine: ClipMachine
  private var layout: StreamLayout?
  private var clip: OpenClip?
  private var pendingThumbnail: [UInt8]?
  /// The motion event going on, and the last one closed (events mode: reopened while its clip is).
  private var motionEvent: MotionEventRecord?
  private var lastMotionEvent: MotionEventRecord?
  /// When the newest packet arrived (wall ms): where an event ends when the camera stops.
  private var lastPacketWallMs: Int64 = 0
  private var warnedAudio = false
  /// Set when the camera sends G.711: its packets are turned into AAC before the machine.
  private var audioTranscoder: AudioTranscoder?
  private let metrics: ClipMetrics

  init(
    cameraId: String, settings: RecordingSettings, index: ClipIndex, hub: StatusHub,
    storage: StorageHooks,
    backlog: RecorderBacklog = RecorderBacklog(), clock: EngineClock = .live, log: Logger
  ) {
    self.clock = clock
    self.storage = storage
    self.backlog = backlog
    executor = ThreadExecutor(name: "rec-\(cameraId)")
    self.cameraId = cameraId
    machine = ClipMachine(settings: settings)
    self.index = index
    self.hub = hub
    self.log = log
    metrics = ClipMetrics(cameraId: cameraId)
  }

  /// Consumes events until the stream finishes (the camera stops), then finalises any open clip.
  func run(_ events: AsyncStream<RecorderEvent>) async {
    for await event in events { handle(event) }
    machine.stopped()
    carryOut()
    if motionEvent != nil {
      endEvent(atWallMs: lastPacketWallMs > 0 ? lastPacketWallMs : clock.wallMs)
    }
    executor.shutdown()
  }

  private func handle(_ event: RecorderEvent) {
    switch event {
    case .connected(let newLayout):
      layout = newLayout
      audioTranscoder = nil
      if !newLayout.streams.contains(where: ClipWriter.canCopyAudio),
        let g711 = newLayout.streams.first(where: AudioTranscoder.canTranscode)
      {
        do {
          let transcoder = try AudioTranscoder(stream: g711)
          audioTranscoder = transcoder
          layout = newLayout.replacing(
            g711.index, parameters: transcoder.outputParameters,
            timeBase: transcoder.outputTimeBase, codecName: "aac")
        } catch {
          log.warning("G.711 audio is not recorded: \(error)")
        }
      } else if !warnedAudio,
        let audio = newLayout.streams.first(where: { $0.isAudio && !ClipWriter.canCopyAudio($0) })
      {
        warnedAudio = true
        log.warning(
          "audio track \(audio.codecName) is not recorded: only AAC and G.711 audio can go into MP4 clips"
        )
      }
      machine.connected(
        video: newLayout.video.map { .init(index: $0.index, timeBase: $0.timeBase) })
    case .packets(let packets):
      for packet in packets {
        if let transcoder = audioTranscoder, packet.streamIndex == transcoder.streamIndex {
          for aac in transcoder.transcode(packet) { feed(aac) }
        } else {
          feed(packet)
        }
      }
      backlog.written(packets)
    case .gap:
      let now = clock.nanos
      if gapLoggedAt == 0 || now - gapLoggedAt > 60_000_000_000 {
        gapLoggedAt = now
        log.error(
          "the disk is too slow for this camera: \(backlog.packetsDropped) packets dropped so far (more than \(backlog.limitBytes >> 20) MB waited to be written); check the data disk"
        )
      }
      metrics.gap()
      machine.gap()
    case .disconnected:
      machine.disconnected()
    case .motion(let on, let atWallMs, let atStreamSeconds):
      if on { pendingThumbnail = nil }
      machine.motion(on, atWallMs: atWallMs, atStreamSeconds: atStreamSeconds)
      if on { beginEvent(atWallMs: atWallMs) } else { endEvent(atWallMs: atWallMs) }
    case .peak(let score, let atWallMs, let jpeg):
      raisePeak(score: score, atWallMs: atWallMs, jpeg: jpeg)
    case .settings(let new):
      machine.settingsChanged(new)
    case .thumbnail(let jpeg):
      if var open = clip, !open.hasThumbnail {
        open.hasThumbnail = writeThumbnail(jpeg, for: open.record)
        clip = open
      } else if clip == nil {
        pendingThumbnail = jpeg
      }
    }
    carryOut()
  }

  private func feed(_ packet: MediaPacket) {
    lastPacketWallMs = packet.receivedAtMs
    machine.packet(packet, diskPaused: storage.pressure.isPaused, nowNanos: clock.nanos)
    carryOut()
  }

  /// Carries out the machine's actions in order, reporting each outcome back to it.
  private func carryOut() {
    while let action = machine.next() {
      switch action {
      case .open(let packets, let startMs):
        if openClip(from: packets, startMs: startMs) {
          machine.opened()
        } else {
          machine.openFailed(atNanos: clock.nanos)
        }
      case .write(let packet):
        guard let open = clip else { continue }
        do {
          try open.writer.write(packet)
        } catch {
          log.error("clip \(open.record.file): \(error); the clip is closed")
          machine.writeFailed(atNanos: clock.nanos)
        }
      case .progress(let endBoundMs):
        if let open = clip { reportProgress(open, endBoundMs: endBoundMs) }
      case .close(let reason, let endBoundMs, let damaged):
        if let endMs = finalise(reason: reason, endBoundMs: endBoundMs, fileDamaged: damaged) {
          machine.closed(endMs: endMs)
        }
      case .notRecordedDiskFull:
        log.warning("motion not recorded: \(storage.pressure.reason ?? "the data disk is full")")
      }
    }
  }

  /// Opens a clip on `packets` (starting at a video keyframe) and writes them. False on failure.
  private func openClip(from packets: [MediaPacket], startMs: Int64) -> Bool {
    guard let layout, let first = packets.first else { return false }
    let record: ClipRecord
    do {
      record = try index.beginClip(
        cameraId: cameraId, startMs: startMs,
        kind: machine.settings.mode == .continuous ? .segment : .event)
    } catch {
      log.error("cannot start a clip: \(error)")
      return false
    }
    do {
      let path = try index.absolutePath(of: record.file)
      let writer = try ClipWriter(path: path, layout: layout, start: first, startedAtMs: startMs)
      for packet in packets { try writer.write(packet) }
      clip = OpenClip(record: record, writer: writer, hasThumbnail: false)
    } catch {
      log.error("cannot write clip \(record.file): \(error)")
      try? index.deleteClip(id: record.id)
      return false
    }
    log.info("clip started: \(record.file)")
    if machine.settings.mode == .events, let open = motionEvent, open.clipId == nil {
      updateEvent("tie event \(open.id) to its clip") {
        try index.attachEventClip(open, clipId: record.id)
      }
    }
    hub.post(.recording(cameraId: cameraId, true))
    if let jpeg = pendingThumbnail {
      pendingThumbnail = nil
      clip?.hasThumbnail = writeThumbnail(jpeg, for: record)
    }
    return true
  }

  /// The row's end and duration: the file's duration, but never past `endBoundMs` (timestamps that
  /// jump ahead, from a damaged or confused camera, would otherwise stretch the row over the next
  /// clip's).
  private func rowEnd(_ open: OpenClip, endBoundMs: Int64) -> (endMs: Int64, durationMs: Int64) {
    let fileMs = Milliseconds.of(seconds: open.writer.durationSeconds)
    let endMs = min(open.record.startMs + fileMs, max(open.record.startMs, endBoundMs))
    return (endMs, endMs - open.record.startMs)
  }

  private func reportProgress(_ open: OpenClip, endBoundMs: Int64) {
    let (endMs, durationMs) = rowEnd(open, endBoundMs: endBoundMs)
    do {
      try index.updateProgress(
        id: open.record.id, endMs: endMs, durationMs: durationMs,
        sizeBytes: open.writer.bytesWritten)
    } catch {
      log.warning("cannot update clip \(open.record.file) in the index: \(error)")
    }
  }

  /// Closes the open clip. `fileDamaged`: a write failed, so whatever the trailer does, only the
  /// complete fragments of the file are kept. Returns where its row ends, nil when nothing was kept.
  private func finalise(reason: String, endBoundMs: Int64, fileDamaged: Bool) -> Int64? {
    guard let open = clip else { return nil }
    clip = nil
    defer {
      hub.post(.recording(cameraId: cameraId, false))
      storage.clipClosed()
    }
    let finishStarted = clock.nanos
    let sizeBytes: Int64
    do {
      sizeBytes = try open.writer.finish()
      if fileDamaged { return salvage(open, endBoundMs: endBoundMs, reason: reason) }
    } catch {
      // A full disk (or a failing one) cut the file short: keep what is complete in it.
      log.error("clip \(open.record.file): \(error)")
      return salvage(open, endBoundMs: endBoundMs, reason: reason)
    }
    metrics.clipWritten(finaliseNanos: clock.nanos - finishStarted)
    let (endMs, durationMs) = rowEnd(open, endBoundMs: endBoundMs)
    if endMs < open.record.startMs + Milliseconds.of(seconds: open.writer.durationSeconds) {
      log.warning(
        "clip \(open.record.file): the camera's timestamps ran ahead of the clock; its index row ends at its last packet"
      )
    }
    complete(open, endMs: endMs, durationMs: durationMs, sizeBytes: sizeBytes, reason: reason)
    return endMs
  }

  /// A clip whose file could not be finished: cut to its last complete fragment and indexed with
  /// what that holds, or removed when nothing in it plays. Returns where its row ends.
  private func salvage(_ open: OpenClip, endBoundMs: Int64, reason: String) -> Int64? {
    do {
      let path = try index.absolutePath(of: open.record.file)
      let sizeBytes = try FragmentedMP4.trimToCompleteFragments(path)
      let probe = try MediaProbe.probe(path: path)
      let (endMs, _) = rowEnd(open, endBoundMs: endBoundMs)
      let durationMs = min(
        Milliseconds.of(seconds: probe.durationSeconds), endMs - open.record.startMs)
      complete(
        open, endMs: open.record.startMs + durationMs, durationMs: durationMs, sizeBytes: sizeBytes,
        reason: "\(reason), kept to its last complete fragment")
      return open.record.startMs + durationMs
    } catch {
      log.error("clip \(open.record.file) has nothing playable (\(error)); removing it")
      do {
        try index.deleteClip(id: open.record.id)
      } catch {
        log.error("cannot remove clip \(open.record.file): \(error); the start-up check will")
      }
      return nil
    }
  }

  private func complete(
    _ open: OpenClip, endMs: Int64, durationMs: Int64, sizeBytes: Int64, reason: String
  ) {
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

  // MARK: Motion events

  /// Motion began at `atWallMs`: a new event, or in events mode the last one again when its clip is
  /// still being recorded. Nothing while recording is off (no footage to point into).
  private func beginEvent(atWallMs: Int64) {
    guard motionEvent == nil, machine.settings.enabled else { return }
    let eventsMode = machine.settings.mode == .events
    let openClipId = eventsMode ? clip?.record.id : nil
    if let last = lastMotionEvent, let clipId = openClipId, last.clipId == clipId {
      updateEvent("reopen event \(last.id)") { try index.setEventEnd(last, endMs: nil) }
      return
    }
    updateEvent("open a motion event") {
      try index.openEvent(
        cameraId: cameraId, startMs: atWallMs, peakScore: 0, clipId: openClipId)
    }
  }

  /// A higher peak (the analyser sends at most one a second): its score, time and thumbnail.
  private func raisePeak(score: Double, atWallMs: Int64, jpeg: [UInt8]?) {
    guard let open = motionEvent, score >= open.peakScore else { return }
    updateEvent("record the peak of event \(open.id)") {
      try index.raiseEventPeak(
        open, score: score, atMs: max(open.startMs, atWallMs), jpeg: jpeg)
    }
  }

  /// Motion ended at `atWallMs`: the event closes there.
  private func endEvent(atWallMs: Int64) {
    guard let open = motionEvent else { return }
    updateEvent("close event \(open.id)") { try index.setEventEnd(open, endMs: atWallMs) }
  }

  /// Writes an event's change to the index and tells the hub. A failed write is logged and the
  /// event kept as it was in memory (the index's row stays as last written).
  private func updateEvent(_ what: String, _ change: () throws -> MotionEventRecord) {
    do {
      let updated = try change()
      if updated.endMs == nil {
        motionEvent = updated
      } else {
        motionEvent = nil
        lastMotionEvent = updated
      }
      hub.post(.motionEvent(updated))
    } catch {
      log.warning("cannot \(what) in the index: \(error)")
    }
  }

  private func writeThumbnail(_ jpeg: [UInt8], for record: ClipRecord) -> Bool {
    guard let relative = record.thumbnail, let path = try? index.absolutePath(of: relative) else {
      return false
    }
    do {
      try Data(jpeg).write(to: URL(fileURLWithPath: path), options: .atomic)
      return true
    } catch {
      log.warning("cannot write thumbnail \(relative): \(error)")
      return false
    }
  }
}
