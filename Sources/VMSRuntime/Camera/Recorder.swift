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
  }

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
        if openClip(from: [packet]) { return }
        return
      }
      do {
        try open.writer.write(packet)
      } catch {
        log.error("clip \(open.record.file): \(error); the clip is closed")
        finalise(reason: "write error")
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
      _ = openClip(
        from: ring.packets(
          fromKeyframeAtOrBefore: motionStartedAt - settings.preRollSeconds - Self.detectionLagSeconds))
    }
  }

  /// Opens a clip on `packets` (starting at a video keyframe) and writes them. False on failure.
  private func openClip(from packets: [MediaPacket]) -> Bool {
    guard let layout, let video = layout.video, let first = packets.first, first.isKeyframe,
      first.streamIndex == video.index
    else { return false }
    let startSeconds = video.timeBase.seconds(first.dts)
    let startMs = nowWallMs - Int64(((nowSeconds - startSeconds) * 1000).rounded())
    let record: ClipRecord
    do {
      record = try index.beginClip(cameraId: cameraId, startMs: startMs)
    } catch {
      log.error("cannot start a clip: \(error)")
      return false
    }
    do {
      let path = try index.absolutePath(of: record.file)
      let writer = try ClipWriter(path: path, layout: layout, start: first)
      for packet in packets { try writer.write(packet) }
      clip = OpenClip(
        record: record, writer: writer, startSeconds: startSeconds, lastProgressSeconds: nowSeconds,
        hasThumbnail: false)
    } catch {
      log.error("cannot write clip \(record.file): \(error)")
      try? index.deleteClip(id: record.id)
      return false
    }
    log.info("clip started: \(record.file)")
    hub.post(.recording(cameraId: cameraId, true))
    if let jpeg = pendingThumbnail {
      pendingThumbnail = nil
      clip?.hasThumbnail = writeThumbnail(jpeg, for: record)
    }
    return true
  }

  private func reportProgress(_ open: OpenClip) {
    let durationMs = Int64((open.writer.durationSeconds * 1000).rounded())
    do {
      try index.updateProgress(
        id: open.record.id, endMs: open.record.startMs + durationMs, durationMs: durationMs,
        sizeBytes: open.writer.bytesWritten)
    } catch {
      log.warning("cannot update clip \(open.record.file) in the index: \(error)")
    }
  }

  private func finalise(reason: String) {
    guard let open = clip else { return }
    clip = nil
    var sizeBytes = open.writer.bytesWritten
    let finishStarted = InterruptState.now()
    do {
      sizeBytes = try open.writer.finish()
    } catch {
      log.error("clip \(open.record.file): \(error)")
    }
    metrics.clipWritten(finaliseNanos: InterruptState.now() - finishStarted)
    let durationMs = Int64((open.writer.durationSeconds * 1000).rounded())
    do {
      try index.finishClip(
        id: open.record.id, endMs: open.record.startMs + durationMs, durationMs: durationMs,
        sizeBytes: sizeBytes, hasThumbnail: open.hasThumbnail)
    } catch {
      log.error("cannot complete clip \(open.record.file) in the index: \(error)")
    }
    log.info(
      "clip complete: \(open.record.file), \(String(format: "%.1f", Double(durationMs) / 1000)) s, \(sizeBytes) bytes (\(reason))"
    )
    hub.post(.recording(cameraId: cameraId, false))
    storage.clipClosed()
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
