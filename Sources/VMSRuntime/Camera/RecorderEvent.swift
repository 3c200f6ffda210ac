// What a camera's stream readers tell its recorder, in order, through one AsyncStream.

enum RecorderEvent: Sendable {
  /// The record input (re)connected with these streams.
  case connected(StreamLayout)
  case packet(MediaPacket)
  /// The record input was lost: the open clip is finalised.
  case disconnected
  /// Motion started or stopped (from the detect input).
  case motion(Bool)
  /// A colour JPEG of the moment motion started.
  case thumbnail([UInt8])
}
