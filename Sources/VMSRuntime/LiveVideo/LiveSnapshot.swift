// A still of a live stream at its full resolution (`snapshot.jpg?stream=main`), for thumbnails and
// notifications: the newest keyframe the stream keeps for its viewers, decoded on request and
// encoded as a JPEG the way the live MJPEG picture is. Nothing is decoded while nobody asks; a
// picture is reused for a second, and for as long as its keyframe is the newest.
import CFFmpeg
import VMSMedia

actor LiveSnapshot {
  /// Every stream's snapshots are made on this one thread: decoding a 1080p keyframe and encoding it
  /// is tens of milliseconds of blocking C calls, which must not hold a thread of the cooperative
  /// pool (as many as cores) that the web server and the cameras' tasks share.
  static let executor = ThreadExecutor(name: "snapshots")
  nonisolated var unownedExecutor: UnownedSerialExecutor {
    Self.executor.asUnownedSerialExecutor()
  }

  static let reuseSeconds = 1.0
  /// MJPEG's qscale (see `JPEGEncoder`): a still is looked at closely, so a little better than the
  /// live picture's.
  static let quality: Int32 = 5

  private struct Made {
    var generation: Int
    var dts: Int64
    var jpeg: [UInt8]
    var at: ContinuousClock.Instant
  }

  private var last: Made?

  /// One request at a time (an actor): requests that come together share one decode.
  func jpeg(of stream: LiveStream) -> [UInt8]? {
    let now = ContinuousClock.now
    if let last, now - last.at < .seconds(Self.reuseSeconds) { return last.jpeg }
    guard let keyframe = stream.newestKeyframe() else { return nil }
    if var last, last.generation == keyframe.generation, last.dts == keyframe.dts {
      last.at = now
      self.last = last
      return last.jpeg
    }
    guard let jpeg = Self.decode(keyframe) else { return nil }
    last = Made(generation: keyframe.generation, dts: keyframe.dts, jpeg: jpeg, at: now)
    return jpeg
  }

  /// The keyframe decoded alone (with its stream's parameters) and encoded at its own size.
  static func decode(_ keyframe: LiveStream.Keyframe) -> [UInt8]? {
    guard let video = keyframe.layout.streams.first(where: { $0.index == keyframe.videoIndex }),
      let decoder = try? VideoDecoder(parameters: video.parameters),
      let encoder = try? JPEGEncoder(width: 1 << 14, quality: quality),
      let packet = av_packet_alloc()
    else { return nil }
    defer {
      var owned: UnsafeMutablePointer<AVPacket>? = packet
      av_packet_free(&owned)
    }
    guard av_new_packet(packet, Int32(keyframe.accessUnit.count)) >= 0 else { return nil }
    keyframe.accessUnit.withUnsafeBufferPointer {
      packet.pointee.data.update(from: $0.baseAddress!, count: $0.count)
    }
    packet.pointee.flags |= AV_PKT_FLAG_KEY
    var jpeg: [UInt8]?
    // Alone: a decoder that holds frames back (B-frames) is drained at once.
    decoder.decode(packet, alone: true) { frame in jpeg = jpeg ?? encoder.encode(frame) }
    return jpeg
  }
}
