// A compressed packet copied out of FFmpeg, so it can cross from a stream reader to a recorder.
// One copy per packet is cheap next to the network read (a 4 Mb/s stream is 500 kB/s) and means
// no FFmpeg buffer lifetime spans two threads.
import CFFmpeg

public struct MediaPacket: Sendable, Equatable {
  /// Index of the stream in the input (see `StreamLayout`).
  public var streamIndex: Int
  public var data: [UInt8]
  /// Timestamps in the stream's time base, never `AV_NOPTS_VALUE` (the reader fills gaps).
  public var pts: Int64
  public var dts: Int64
  public var duration: Int64
  public var isKeyframe: Bool
  /// Wall-clock time the packet was read, Unix epoch milliseconds.
  public var receivedAtMs: Int64

  public init(
    streamIndex: Int, data: [UInt8], pts: Int64, dts: Int64, duration: Int64, isKeyframe: Bool,
    receivedAtMs: Int64
  ) {
    self.streamIndex = streamIndex
    self.data = data
    self.pts = pts
    self.dts = dts
    self.duration = duration
    self.isKeyframe = isKeyframe
    self.receivedAtMs = receivedAtMs
  }

  /// A copy of FFmpeg's packet, read at `receivedAtMs`.
  public init(copying packet: UnsafePointer<AVPacket>, receivedAtMs: Int64) {
    let size = Int(packet.pointee.size)
    let data: [UInt8] =
      if let bytes = packet.pointee.data, size > 0 {
        Array(UnsafeBufferPointer(start: bytes, count: size))
      } else { [] }
    self.init(
      streamIndex: Int(packet.pointee.stream_index), data: data, pts: packet.pointee.pts,
      dts: packet.pointee.dts, duration: packet.pointee.duration,
      isKeyframe: packet.pointee.flags & AV_PKT_FLAG_KEY != 0, receivedAtMs: receivedAtMs)
  }
}
