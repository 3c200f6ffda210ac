// What a camera's stream readers tell its recorder, in order, through one AsyncStream.
import VMSConfig
import VMSMedia

enum RecorderEvent: Sendable {
  /// The record input (re)connected with these streams.
  case connected(StreamLayout)
  /// Packets in arrival order. Readers hand them over in small batches (about 0.1 s), so the
  /// recorder's thread wakes a few times a second rather than once per packet.
  case packets([MediaPacket])
  /// The record input was lost: the open clip is finalised.
  case disconnected
  /// Packets were dropped here because the recorder fell too far behind (`RecorderBacklog`): the
  /// open clip is closed cleanly, and the next one starts at the keyframe the flow resumes on.
  case gap
  /// Motion started or stopped (from the detect input); `atWallMs` is when the motion itself began
  /// or last showed, which is earlier than the detector could confirm it. `atStreamSeconds` is the
  /// same moment in the record input's timestamps, given when detection reads the record input.
  case motion(Bool, atWallMs: Int64, atStreamSeconds: Double?)
  /// A colour JPEG of the moment motion started.
  case thumbnail([UInt8])
  /// The motion in progress reached a higher score (percentage of the analysed frame that moved)
  /// at `atWallMs`, with a colour JPEG of that frame when one was taken (at most once a second).
  case peak(score: Double, atWallMs: Int64, jpeg: [UInt8]?)
  /// New recording settings (hot reload); the open clip goes on under them.
  case settings(RecordingSettings)
}
