// One opened source (RTSP, HTTP MJPEG, or a local file) read packet by packet with libavformat.
//
// Every call here may block: use it only from an actor pinned to its own thread. A local file is
// played at real-time pace and looped with continuous timestamps, so it behaves like a camera.
import CFFmpeg
import Foundation
import VMSConfig

public final class MediaInput {
  /// Seconds of silence after which a source counts as stalled (open included).
  public static let stallTimeoutSeconds = 8.0

  private var context: UnsafeMutablePointer<AVFormatContext>?
  private let packet: UnsafeMutablePointer<AVPacket>
  private let interrupt: InterruptState
  public let layout: StreamLayout
  public let isFile: Bool

  // Real-time pacing and looping of files.
  private var paceStartNanos: UInt64 = 0
  private var paceOriginSeconds: Double?
  private var loopOffset: [Int64]
  private var firstDts: [Int64?]
  private var nextDts: [Int64]
  private var lastDts: [Int64]
  /// Per stream: true for a video stream with B-frames until its first keyframe with a decode time.
  private var awaitingTimedKeyframe: [Bool]
  /// MJPEG over HTTP carries no timestamps (FFmpeg invents 25 fps): such sources are timed by the
  /// arrival of their frames instead.
  public let timedByArrival: Bool
  private var arrivalOriginNanos: UInt64 = 0

  public init(url: String, transport: RTSPTransport, interrupt: InterruptState) throws(MediaError) {
    self.interrupt = interrupt
    self.isFile = !url.contains("://")
    guard let packet = av_packet_alloc() else { throw MediaError("out of memory") }
    self.packet = packet

    var context = avformat_alloc_context()
    guard context != nil else {
      var p: UnsafeMutablePointer<AVPacket>? = packet
      av_packet_free(&p)
      throw MediaError("out of memory")
    }
    context!.pointee.interrupt_callback = AVIOInterruptCB(
      callback: InterruptState.callback, opaque: Unmanaged.passUnretained(interrupt).toOpaque())

    var options: OpaquePointer? = nil
    // FFmpeg's own socket timeouts are only a backstop, 2 s after the stall deadline: the deadline
    // (interrupt callback) must fire first, so every stall reads the same and takes the same time.
    let socketTimeoutMicros = String(Int((Self.stallTimeoutSeconds + 2) * 1_000_000))
    if url.hasPrefix("rtsp://") || url.hasPrefix("rtsps://") {
      av_dict_set(&options, "rtsp_transport", transport.rawValue, 0)
      av_dict_set(&options, "timeout", socketTimeoutMicros, 0)
    } else if url.hasPrefix("http://") || url.hasPrefix("https://") {
      av_dict_set(&options, "rw_timeout", socketTimeoutMicros, 0)
      av_dict_set(&options, "reconnect", "0", 0)
    }
    // Long enough to learn a live stream's frame rate, short enough that a camera connects in about
    // a second (FFmpeg's default waits 5 s).
    av_dict_set(&options, "analyzeduration", isFile ? "3000000" : "1000000", 0)

    interrupt.arm(seconds: Self.stallTimeoutSeconds)
    let openResult = avformat_open_input(&context, isFile ? url : url, nil, &options)
    av_dict_free(&options)
    if openResult < 0 {
      var p: UnsafeMutablePointer<AVPacket>? = packet
      av_packet_free(&p)
      throw Self.failure(openResult, interrupt: interrupt, action: "cannot open")
    }
    interrupt.arm(seconds: Self.stallTimeoutSeconds)
    let infoResult = avformat_find_stream_info(context, nil)
    if infoResult < 0 {
      avformat_close_input(&context)
      var p: UnsafeMutablePointer<AVPacket>? = packet
      av_packet_free(&p)
      throw Self.failure(
        infoResult, interrupt: interrupt, action: "cannot read the stream's format")
    }
    self.context = context
    let format = context!.pointee.iformat
    let formatName = format.map { String(cString: $0.pointee.name) } ?? ""
    timedByArrival =
      !isFile
      && ((format.map { $0.pointee.flags & AVFMT_NOTIMESTAMPS != 0 } ?? false)
        || formatName == "mpjpeg"
        || formatName == "mjpeg")
    arrivalOriginNanos = InterruptState.now()
    self.layout = StreamLayout(context: context!, rateUnknown: timedByArrival)
    let count = Int(context!.pointee.nb_streams)
    loopOffset = Array(repeating: 0, count: count)
    firstDts = Array(repeating: nil, count: count)
    nextDts = Array(repeating: 0, count: count)
    lastDts = Array(repeating: Int64.min, count: count)
    awaitingTimedKeyframe = (0..<count).map { i in
      guard let stream = context!.pointee.streams[i], let parameters = stream.pointee.codecpar
      else { return false }
      return parameters.pointee.codec_type == AVMEDIA_TYPE_VIDEO
        && parameters.pointee.video_delay > 0
    }
    guard layout.video != nil else {
      close()
      throw MediaError("the source has no video stream; check the URL")
    }
  }

  deinit {
    close()
    var p: UnsafeMutablePointer<AVPacket>? = packet
    av_packet_free(&p)
  }

  private func close() {
    if context != nil { avformat_close_input(&context) }
  }

  private static func failure(_ code: Int32, interrupt: InterruptState, action: String)
    -> MediaError
  {
    switch interrupt.reason {
    case .stop: return MediaError(code: code, "stopped")
    case .deadline:
      return MediaError(
        code: code,
        "\(action): no answer within \(Int(stallTimeoutSeconds)) s; the camera accepted the connection but sends nothing"
      )
    case .none: return MediaError.fromFFmpeg(code, while: action)
    }
  }

  /// Reads the next packet. The returned pointer stays valid until the next call. Throws on error,
  /// stall (nothing for `stallTimeoutSeconds`) or end of a live stream; files loop.
  public func read() throws(MediaError) -> UnsafeMutablePointer<AVPacket> {
    guard let context else { throw MediaError("closed") }
    var loopedWithoutPacket = false
    while true {
      av_packet_unref(packet)
      interrupt.arm(seconds: Self.stallTimeoutSeconds)
      let result = av_read_frame(context, packet)
      // An interrupted read does not always fail: FFmpeg flushes its parser and returns the frame
      // it still held as a success (or, for RTSP over TCP, reports the end of the stream). Either
      // way nothing came for the whole timeout; reading on would double it.
      if interrupt.reason == .deadline {
        throw MediaError(
          code: result, "no video for \(Int(Self.stallTimeoutSeconds)) s: the camera stalled")
      }
      if result == vms_averror_eof() && isFile && !loopedWithoutPacket {
        rewind()
        loopedWithoutPacket = true
        continue
      }
      if result == vms_averror_eof() {
        throw MediaError(code: result, "the stream ended; the camera closed the connection")
      }
      if result < 0 {
        throw Self.failure(result, interrupt: interrupt, action: "read failed")
      }
      let index = Int(packet.pointee.stream_index)
      guard index < nextDts.count else { continue }
      if awaitingTimedKeyframe[index] {
        // A stream with B-frames starts (over RTSP) with packets that carry no decode time; made
        // up, they would come out of order. Its first packets are skipped until a keyframe that
        // carries one: at most one GOP, and every timestamp after it is the camera's own.
        guard packet.pointee.dts != vms_nopts(), packet.pointee.flags & AV_PKT_FLAG_KEY != 0 else {
          continue
        }
        awaitingTimedKeyframe[index] = false
      }
      normaliseTimestamps(index)
      if isFile { try pace(index) }
      return packet
    }
  }

  /// Fills missing timestamps and, for looped files, shifts them so they keep increasing. Swift traps
  /// on overflow, so `AV_NOPTS_VALUE` (Int64.min) must never reach arithmetic.
  private func normaliseTimestamps(_ index: Int) {
    let nopts = vms_nopts()
    if timedByArrival, let stream = context?.pointee.streams[index] {
      let seconds = Double(InterruptState.now() - arrivalOriginNanos) / 1e9
      let ticks = Int64(seconds / Rational(stream.pointee.time_base).asDouble)
      packet.pointee.pts = ticks
      packet.pointee.dts = ticks
      packet.pointee.duration = 0
    }
    var dts = packet.pointee.dts
    var pts = packet.pointee.pts
    if dts == nopts { dts = pts }
    if dts == nopts { dts = nextDts[index] }
    if pts == nopts { pts = dts }
    if firstDts[index] == nil { firstDts[index] = dts }
    dts &+= loopOffset[index]
    pts &+= loopOffset[index]
    if dts <= lastDts[index] && lastDts[index] != Int64.min {
      // A camera that repeats or goes back in time: keep the order the muxer requires.
      let shift = lastDts[index] + 1 - dts
      dts += shift
      pts = max(pts + shift, dts)
    }
    let duration = packet.pointee.duration > 0 ? packet.pointee.duration : 0
    packet.pointee.dts = dts
    packet.pointee.pts = pts
    lastDts[index] = dts
    nextDts[index] = dts + max(duration, 1)
  }

  /// Loops a file: restarts at its beginning with timestamps that continue where they stopped.
  private func rewind() {
    guard let context else { return }
    av_seek_frame(context, -1, 0, AVSEEK_FLAG_BACKWARD)
    avformat_flush(context)
    for i in 0..<loopOffset.count {
      if let first = firstDts[i] { loopOffset[i] = nextDts[i] - first }
    }
  }

  /// Sleeps until the packet's time is due, so a file plays like a live camera.
  private func pace(_ index: Int) throws(MediaError) {
    guard let context, let stream = context.pointee.streams[index] else { return }
    let seconds = Rational(stream.pointee.time_base).seconds(packet.pointee.dts)
    guard let origin = paceOriginSeconds else {
      paceOriginSeconds = seconds
      paceStartNanos = InterruptState.now()
      return
    }
    let due = paceStartNanos &+ UInt64(max(0, seconds - origin) * 1e9)
    while true {
      let now = InterruptState.now()
      if now >= due { return }
      if interrupt.isStopRequested { throw MediaError("stopped") }
      usleep(UInt32(min(due - now, 50_000_000) / 1000))
    }
  }
}
