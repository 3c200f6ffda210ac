// What one live viewer has waiting, and the rule that keeps a slow viewer from costing anything: the
// bytes in flight (queued here, plus sent and not yet acknowledged by the player as appended) stay
// under a budget. Past it, the queued fragments are dropped and the viewer is told it is behind
// (`behind`); it resumes at the next keyframe once half the budget has drained (acknowledged), and is
// told how many frames it missed (`skip`). The camera, the
// recorder and the other viewers never wait for it. A value: the stream fans out into it under a
// lock, the socket drains it.
struct LiveViewerQueue {
  enum Item: Equatable {
    /// A fragment; `isKeyframe` when it starts with one.
    case fragment(LiveFragment, isKeyframe: Bool)
    /// A text message for the player (stream description, state, skip notice).
    case text(String)
    /// A stream's init segment: never dropped, not counted in flight (the player acknowledges the
    /// fragments it appends after it).
    case initSegment([UInt8])
  }

  /// Set by the stream as its bitrate becomes known (see `LiveStream.budget`).
  var budgetBytes: Int
  /// At most about a second of video (the budget), so removing from the front is cheap.
  private(set) var items: [Item] = []
  private(set) var queuedBytes = 0
  private(set) var sentBytes = 0
  private(set) var ackedBytes = 0
  /// Times the viewer fell behind and was moved to a later keyframe.
  private(set) var skips = 0
  /// Frames dropped since the viewer fell behind the last time (told with the next keyframe).
  private(set) var framesMissed = 0
  private(set) var waitingForKeyframe = false

  init(budgetBytes: Int) { self.budgetBytes = budgetBytes }

  var bytesInFlight: Int { queuedBytes + sentBytes - ackedBytes }

  /// Offers the next fragment; false when it was dropped. `isVideo` false: an audio frame (not
  /// counted in the frames missed).
  @discardableResult
  mutating func offer(_ fragment: LiveFragment, isKeyframe: Bool, isVideo: Bool = true) -> Bool {
    if waitingForKeyframe {
      guard isKeyframe, bytesInFlight <= budgetBytes / 2 else {
        if isVideo { framesMissed += 1 }
        return false
      }
      waitingForKeyframe = false
      items.append(.text(#"{"type":"skip","frames":\#(framesMissed),"skips":\#(skips)}"#))
      framesMissed = 0
    } else if bytesInFlight + fragment.count > budgetBytes {
      // Behind: what waits is stale; resume at a keyframe once the player has caught up.
      let dropped = items.filter { if case .fragment = $0 { true } else { false } }.count
      items.removeAll { if case .fragment = $0 { true } else { false } }
      queuedBytes = 0
      skips += 1
      framesMissed = dropped + 1
      waitingForKeyframe = true
      items.append(.text(#"{"type":"behind","skips":\#(skips)}"#))
      return false
    }
    items.append(.fragment(fragment, isKeyframe: isKeyframe))
    queuedBytes += fragment.count
    return true
  }

  /// Queues a text message (never dropped: they are small and rare).
  mutating func say(_ text: String) { items.append(.text(text)) }

  /// Queues a stream's init segment (after `restart()`, before its fragments).
  mutating func start(initSegment: [UInt8]) { items.append(.initSegment(initSegment)) }

  /// The next item to send; a fragment counts as in flight until acknowledged.
  mutating func take() -> Item? {
    guard !items.isEmpty else { return nil }
    let item = items.removeFirst()
    if case .fragment(let fragment, _) = item {
      queuedBytes -= fragment.count
      sentBytes += fragment.count
    }
    return item
  }

  /// The player appended `totalBytes` of fragments so far (its running total).
  mutating func acknowledge(totalBytes: Int) {
    ackedBytes = min(max(ackedBytes, totalBytes), sentBytes)
  }

  /// A new stream (reconnection, new parameters): nothing queued is of use any more.
  mutating func restart() {
    items.removeAll()
    queuedBytes = 0
    sentBytes = 0
    ackedBytes = 0
    waitingForKeyframe = false
    framesMissed = 0
  }
}

/// One frame's fragment for one viewer: its own `moof` (sequence number, decode time on the viewer's
/// timeline; about 100 bytes) and the `mdat` with the frame's bytes, written once for every viewer of
/// the frame and shared (an array's storage is shared, not copied, as the value is passed on).
public struct LiveFragment: Equatable, Sendable {
  public let moof: [UInt8]
  public let mdat: [UInt8]

  public init(moof: [UInt8], mdat: [UInt8]) {
    self.moof = moof
    self.mdat = mdat
  }

  /// Bytes on the wire: the moof, then the mdat, in one message.
  public var count: Int { moof.count + mdat.count }

  /// The fragment in one piece (a copy; for tests and tools).
  public var bytes: [UInt8] { moof + mdat }
}
