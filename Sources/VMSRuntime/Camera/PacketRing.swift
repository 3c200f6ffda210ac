// The pre-roll: recent compressed packets of the record input, always starting at a video keyframe,
// covering at least `keepSeconds` before the newest packet, so a clip can begin before the motion
// that opened it.
import VMSMedia

struct PacketRing {
  private var packets: [MediaPacket] = []
  private var head = 0
  /// Positions (in `packets`) of video keyframes at or after `head`.
  private var keyframes: [Int] = []
  private var keyframeTimes: [Double] = []

  var isEmpty: Bool { head >= packets.count }

  mutating func removeAll() {
    packets.removeAll(keepingCapacity: true)
    keyframes.removeAll()
    keyframeTimes.removeAll()
    head = 0
  }

  /// The packets from the newest keyframe at or before `seconds` (or the oldest kept keyframe), but
  /// never from a keyframe at or before `after` (where the previous clip ended: clips must not
  /// overlap): then from the first keyframe after it, or nothing while there is none yet.
  func packets(fromKeyframeAtOrBefore seconds: Double, after: Double? = nil) -> [MediaPacket] {
    guard !keyframes.isEmpty else { return [] }
    var i = keyframeTimes.lastIndex { $0 <= seconds } ?? 0
    if let after, keyframeTimes[i] <= after {
      guard let next = keyframeTimes.firstIndex(where: { $0 > after }) else { return [] }
      i = next
    }
    return Array(packets[keyframes[i]...])
  }

  /// Adds a packet; `videoSeconds` is its time when it is a video packet, nil for audio.
  mutating func append(_ packet: MediaPacket, videoSeconds: Double?, keepSeconds: Double) {
    if let seconds = videoSeconds, packet.isKeyframe {
      keyframes.append(packets.count)
      keyframeTimes.append(seconds)
    }
    // Nothing is usable before the first keyframe.
    guard !keyframes.isEmpty else { return }
    packets.append(packet)
    guard let now = videoSeconds else { return }
    // Drop the oldest GOP while the next keyframe alone still covers the pre-roll.
    while keyframes.count >= 2 && keyframeTimes[1] <= now - keepSeconds {
      keyframes.removeFirst()
      keyframeTimes.removeFirst()
      head = keyframes[0]
    }
    if head >= 64 && head * 2 >= packets.count { compact() }
  }

  private mutating func compact() {
    packets.removeFirst(head)
    keyframes = keyframes.map { $0 - head }
    head = 0
  }
}
