// Where a camera's packets come from: the seam between the engine and FFmpeg's demuxers.
//
// The engine's stream reader opens a source through a `PacketSourceOpener` it is given and reads
// it packet by packet; it never names `MediaInput`. Production opens `MediaInput` (RTSP, HTTP
// MJPEG, files); tests open a scripted source that delivers packets with chosen timestamps,
// keyframes, gaps and failures, so the reader's reconnect, batching and motion paths run without
// a camera or a network.
import CFFmpeg
import VMSConfig

/// One opened stream, read packet by packet. Every call may block (use it from a thread of its
/// own); `InterruptState` given to the opener aborts a blocked call.
public protocol PacketSource: AnyObject {
  /// The streams, with owned copies of their codec parameters.
  var layout: StreamLayout { get }
  /// A local file (looped at real-time pace): its timestamps say nothing about lost frames.
  var isFile: Bool { get }
  /// A source without timestamps of its own (MJPEG over HTTP), timed by the frames' arrival.
  var timedByArrival: Bool { get }
  /// The next packet, valid until the next call; timestamps filled and increasing per stream.
  /// Throws on failure, stall or end of a live stream, with a sentence for the camera's status.
  func read() throws(MediaError) -> UnsafeMutablePointer<AVPacket>
}

extension MediaInput: PacketSource {}

/// Opens the source a URL names. Called on the reader's thread at every (re)connection.
public struct PacketSourceOpener: Sendable {
  public typealias Open =
    @Sendable (_ url: String, _ transport: RTSPTransport, _ interrupt: InterruptState)
    throws(MediaError) -> any PacketSource

  private let openSource: Open

  public init(_ open: @escaping Open) { openSource = open }

  public func open(url: String, transport: RTSPTransport, interrupt: InterruptState)
    throws(MediaError) -> any PacketSource
  {
    try openSource(url, transport, interrupt)
  }

  /// FFmpeg's demuxers: what cameras use.
  public static let ffmpeg = PacketSourceOpener { url, transport, interrupt throws(MediaError) in
    try MediaInput(url: url, transport: transport, interrupt: interrupt)
  }
}
