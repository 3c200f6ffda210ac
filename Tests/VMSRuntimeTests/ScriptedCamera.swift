// A scripted camera for engine tests: the packets a real camera's record input would deliver, with
// timestamps, keyframes, B-frames, audio and the wall clock of their arrival, but no bytes worth
// decoding. What the clip state machine sees from a camera, without a camera or a network.
import VMSConfig
import VMSMedia

@testable import VMSRuntime

struct ScriptedCamera {
  var fps = 10
  var gopSeconds = 1.0
  /// 90 kHz, as RTP video.
  var timeBase = Rational(1, 90_000)
  /// Wall clock (Unix ms) of the packet at stream time 0.
  var wallOriginMs: Int64 = 1_765_000_000_000
  /// Frames that arrive before they are shown (B-frames): each frame's presentation time is this
  /// many frames after its decode time.
  var reorderFrames = 0
  /// One audio packet (stream 1) after every video frame.
  var audio = false
  /// Added to every video timestamp after `jumpAfterSeconds` (a camera whose clock runs ahead).
  var jumpSeconds = 0.0
  var jumpAfterSeconds = Double.infinity

  static let videoIndex = 0
  static let audioIndex = 1

  var video: ClipMachine.Video { .init(index: Self.videoIndex, timeBase: timeBase) }
  var ticksPerFrame: Int64 { Int64(timeBase.den) / Int64(fps) / Int64(timeBase.num) }
  var framesPerGOP: Int { Int((Double(fps) * gopSeconds).rounded()) }

  /// Stream seconds of frame `n` (decode time).
  func seconds(ofFrame n: Int) -> Double { Double(n) / Double(fps) }

  /// The packets of frames `first..<last`, in arrival order.
  func frames(_ range: Range<Int>) -> [MediaPacket] {
    var packets: [MediaPacket] = []
    for n in range {
      let seconds = seconds(ofFrame: n)
      let jump =
        seconds >= jumpAfterSeconds
        ? Int64(jumpSeconds * Double(timeBase.den) / Double(timeBase.num)) : 0
      let dts = Int64(n) * ticksPerFrame + jump
      let arrivedMs = wallOriginMs + Int64((seconds * 1000).rounded())
      packets.append(
        MediaPacket(
          streamIndex: Self.videoIndex, data: [UInt8](repeating: 0, count: 100),
          pts: dts + Int64(reorderFrames) * ticksPerFrame,
          dts: dts, duration: ticksPerFrame, isKeyframe: n % framesPerGOP == 0,
          receivedAtMs: arrivedMs))
      if audio {
        packets.append(
          MediaPacket(
            streamIndex: Self.audioIndex, data: [1, 2], pts: Int64(n) * 800, dts: Int64(n) * 800,
            duration: 800,
            isKeyframe: true, receivedAtMs: arrivedMs))
      }
    }
    return packets
  }
}

/// Drives a `ClipMachine` the way the Recorder does, and keeps what it asked for: the clips it
/// opened, the packets written into each, and each clip's close and index row.
struct MachineDriver {
  struct Clip {
    var packets: [MediaPacket]
    var startMs: Int64
    var closeReason: String?
    var endMs: Int64?
    var damaged = false
    var progressBounds: [Int64] = []
  }

  var machine: ClipMachine
  let camera: ScriptedCamera
  var clips: [Clip] = []
  var diskFullNotices = 0
  /// Frames fed so far: the next frame to feed.
  var frame = 0
  var diskPaused = false
  /// Where the monotonic clock handed to the machine starts, in ns: it advances with the stream.
  let clockOffsetNanos: UInt64 = 1_000_000_000_000
  /// Make the next `.open` fail / the next `.write` fail.
  var failNextOpen = false
  var failNextWrite = false

  init(_ settings: RecordingSettings, camera: ScriptedCamera = ScriptedCamera()) {
    machine = ClipMachine(settings: settings)
    self.camera = camera
    machine.connected(video: camera.video)
    carryOut()
  }

  var nowNanos: UInt64 { clockOffsetNanos + UInt64(camera.seconds(ofFrame: frame) * 1e9) }

  /// Feeds frames until the stream reaches `seconds` (exclusive).
  mutating func feed(until seconds: Double) {
    let last = Int((seconds * Double(camera.fps)).rounded())
    guard last > frame else { return }
    for n in frame..<last {
      frame = n
      for packet in camera.frames(n..<(n + 1)) {
        machine.packet(packet, diskPaused: diskPaused, nowNanos: nowNanos)
        carryOut()
      }
    }
    frame = last
  }

  /// Motion that began (or ended) at stream second `at`, confirmed now.
  mutating func motion(_ on: Bool, at: Double) {
    machine.motion(on, atWallMs: camera.wallOriginMs + Int64(at * 1000), atStreamSeconds: at)
    carryOut()
  }

  mutating func carryOut() {
    while let action = machine.next() {
      switch action {
      case .open(let packets, let startMs):
        if failNextOpen {
          failNextOpen = false
          machine.openFailed(atNanos: nowNanos)
        } else {
          clips.append(Clip(packets: packets, startMs: startMs))
          machine.opened()
        }
      case .write(let packet):
        if failNextWrite {
          failNextWrite = false
          machine.writeFailed(atNanos: nowNanos)
        } else {
          clips[clips.count - 1].packets.append(packet)
        }
      case .progress(let bound):
        clips[clips.count - 1].progressBounds.append(bound)
      case .close(let reason, let endBoundMs, let damaged):
        // The row ends where the file does (its last frame shown plus one frame), but never past
        // the machine's bound: what the Recorder writes.
        var clip = clips[clips.count - 1]
        let video = clip.packets.filter { $0.streamIndex == ScriptedCamera.videoIndex }
        let firstShown = video.map(\.pts).min() ?? 0
        let lastShown = video.map(\.pts).max() ?? 0
        let fileMs = Int64(
          (camera.timeBase.seconds(lastShown + camera.ticksPerFrame - firstShown) * 1000).rounded())
        let endMs = min(clip.startMs + fileMs, max(clip.startMs, endBoundMs))
        clip.closeReason = reason
        clip.endMs = endMs
        clip.damaged = damaged
        clips[clips.count - 1] = clip
        machine.closed(endMs: endMs)
      case .notRecordedDiskFull:
        diskFullNotices += 1
      }
    }
  }

  /// Wall clock (ms) of stream second `seconds`.
  func wallMs(_ seconds: Double) -> Int64 {
    camera.wallOriginMs + Int64((seconds * 1000).rounded())
  }
}
