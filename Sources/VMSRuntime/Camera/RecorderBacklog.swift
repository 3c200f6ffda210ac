// Bounds, in bytes, the packets a camera's record reader has handed to its recorder and the
// recorder has not written yet. A disk that stalls (a dying SD card, a hung network mount) must
// not make the reader's memory grow without limit, nor block the reader: past the limit the
// reader drops packets, and resumes at the first video keyframe once the recorder has caught up to
// half the limit (a clip can only restart on a keyframe). Where it dropped, the recorder gets a
// `.gap`: it closes the open clip cleanly there rather than write a clip with a hole in it.
//
// One producer (the record reader) calls `admit`; the recorder calls `written` for what it took.
import Synchronization
import VMSMedia

final class RecorderBacklog: Sendable {
  /// About a minute of a 4 Mbit/s main stream: far above what a healthy disk ever holds back.
  static let defaultLimitBytes = 32 << 20

  let limitBytes: Int
  private let queuedBytes = Atomic<Int>(0)
  /// Only the producer touches it, through `admit`.
  private let dropping = Mutex<Bool>(false)
  private let dropped = Atomic<Int>(0)

  init(limitBytes: Int = defaultLimitBytes) {
    self.limitBytes = limitBytes
  }

  /// Bytes handed over and not yet written.
  var bytesQueued: Int { queuedBytes.load(ordering: .relaxed) }
  /// Packets dropped since the start.
  var packetsDropped: Int { dropped.load(ordering: .relaxed) }

  /// The events to hand the recorder for `packets`: the packets that fit, with a `.gap` where
  /// dropping began. `videoIndex` names the stream whose keyframes may resume the flow.
  func admit(_ packets: [MediaPacket], videoIndex: Int?) -> [RecorderEvent] {
    dropping.withLock { dropping in
      var events: [RecorderEvent] = []
      var run: [MediaPacket] = []
      for packet in packets {
        let size = packet.data.count
        let queued = queuedBytes.load(ordering: .relaxed)
        if dropping {
          let resumes =
            packet.isKeyframe && packet.streamIndex == videoIndex && queued + size <= limitBytes / 2
          guard resumes else {
            dropped.add(1, ordering: .relaxed)
            continue
          }
          dropping = false
        } else if queued + size > limitBytes {
          dropping = true
          dropped.add(1, ordering: .relaxed)
          if !run.isEmpty { events.append(.packets(run)) }
          run = []
          events.append(.gap)
          continue
        }
        queuedBytes.add(size, ordering: .relaxed)
        run.append(packet)
      }
      if !run.isEmpty { events.append(.packets(run)) }
      return events
    }
  }

  /// The recorder took these packets off the queue (written, or given up).
  func written(_ packets: [MediaPacket]) {
    let bytes = packets.reduce(0) { $0 + $1.data.count }
    queuedBytes.subtract(bytes, ordering: .relaxed)
  }
}
