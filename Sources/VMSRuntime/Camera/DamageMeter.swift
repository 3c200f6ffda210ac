// Counts a camera's damaged video frames (the decoder had to conceal errors, or refused the packet)
// over the last 10 seconds, and says when the camera's status should change: "video damaged: N bad
// frames in 10 s" once there are `threshold` of them, nothing once a whole window is clean. A camera
// with a failing cable or an overloaded encoder then says so, while it stays connected and recording.
// Pure: the caller gives the time (monotonic seconds).
struct DamageMeter {
  static let windowSeconds = 10
  /// Bad frames in a window from which the camera counts as damaged: a single glitch is not news.
  static let threshold = 3

  /// Bad frames per whole second of the window, oldest first, and the second the last one counts.
  private var buckets = [Int](repeating: 0, count: windowSeconds)
  private var currentSecond: Int?
  /// What the status says now (nil: nothing).
  private(set) var message: String?

  var badFramesInWindow: Int { buckets.reduce(0, +) }

  /// Adds `badFrames` seen at `seconds`; returns the new status message when it changed (`.some(nil)`
  /// to clear it), nil when it stays as it is. The count in the message moves at most once a second.
  mutating func record(badFrames: Int, at seconds: Double) -> String?? {
    let second = Int(seconds.rounded(.down))
    let movedOn = advance(to: second)
    buckets[buckets.count - 1] += badFrames
    guard movedOn || message == nil else { return nil }
    let count = badFramesInWindow
    let wanted: String? =
      count >= Self.threshold || (message != nil && count > 0)
      ? "video damaged: \(count) bad frames in \(Self.windowSeconds) s; check the cable or network to the camera, and its bitrate"
      : nil
    guard wanted != message else { return nil }
    message = wanted
    return .some(wanted)
  }

  /// Shifts the window to end at `second`; true when it moved.
  private mutating func advance(to second: Int) -> Bool {
    guard let current = currentSecond else {
      currentSecond = second
      return true
    }
    let steps = second - current
    guard steps > 0 else { return false }
    if steps >= buckets.count {
      buckets = [Int](repeating: 0, count: buckets.count)
    } else {
      buckets.removeFirst(steps)
      buckets += [Int](repeating: 0, count: steps)
    }
    currentSecond = second
    return true
  }

  /// A new connection: the old damage says nothing about it.
  mutating func reset() {
    buckets = [Int](repeating: 0, count: buckets.count)
    currentSecond = nil
    message = nil
  }
}
