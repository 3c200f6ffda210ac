// The engine's packet-source seam, played from a script: a camera that connects or refuses, sends
// chosen packets with the camera time passing between them, fails with a chosen error, or hangs
// until stopped. Tests give `ScriptedOpener.opener` to a stream reader or a camera instead of
// FFmpeg's demuxers, and drive time with a `ManualClock`.
import CFFmpeg
import Foundation
import VMSConfig
import VMSMedia

@testable import VMSRuntime

struct ScriptedPacket {
  var stream = 0
  var data: [UInt8]
  var pts: Int64
  var dts: Int64
  var duration: Int64
  var isKeyframe: Bool
}

enum ScriptStep {
  /// The next packet read.
  case packet(ScriptedPacket)
  /// Camera time passes before the next step (the source moves the clock: a read that waits).
  case wait(Duration)
  /// The read fails with this sentence (a stall, a lost connection, garbage).
  case fail(String)
  /// The read blocks until the reader is stopped, as a camera that went silent would.
  case hang
}

final class ScriptedSource: PacketSource {
  let layout: StreamLayout
  let isFile = false
  let timedByArrival = false
  private var steps: ArraySlice<ScriptStep>
  private let clock: ManualClock
  private let interrupt: InterruptState
  private let packet: UnsafeMutablePointer<AVPacket>

  init(layout: StreamLayout, steps: [ScriptStep], clock: ManualClock, interrupt: InterruptState) {
    self.layout = layout
    self.steps = steps[...]
    self.clock = clock
    self.interrupt = interrupt
    packet = av_packet_alloc()!
  }

  deinit {
    var p: UnsafeMutablePointer<AVPacket>? = packet
    av_packet_free(&p)
  }

  func read() throws(MediaError) -> UnsafeMutablePointer<AVPacket> {
    while let step = steps.popFirst() {
      switch step {
      case .wait(let duration):
        clock.advance(by: duration)
      case .fail(let sentence):
        throw MediaError(sentence)
      case .hang:
        while !interrupt.isStopRequested { usleep(1000) }
        throw MediaError("stopped")
      case .packet(let scripted):
        av_packet_unref(packet)
        guard av_new_packet(packet, Int32(scripted.data.count)) == 0 else {
          throw MediaError("out of memory")
        }
        scripted.data.withUnsafeBufferPointer { bytes in
          if let base = bytes.baseAddress {
            packet.pointee.data.update(from: base, count: bytes.count)
          }
        }
        packet.pointee.stream_index = Int32(scripted.stream)
        packet.pointee.pts = scripted.pts
        packet.pointee.dts = scripted.dts
        packet.pointee.duration = scripted.duration
        packet.pointee.flags = scripted.isKeyframe ? AV_PKT_FLAG_KEY : 0
        return packet
      }
    }
    throw MediaError("the stream ended; the camera closed the connection")
  }
}

/// What a scripted camera does at each connection attempt, in order; once the list is used up it
/// refuses every attempt with `thenRefusal`.
final class ScriptedOpener: @unchecked Sendable {
  enum Connection {
    case refuse(String)
    case connect(StreamLayout, [ScriptStep])
  }

  let clock: ManualClock
  private let lock = NSLock()
  private var connections: [Connection]
  private let thenRefusal: String
  private var attempts: [Double] = []

  init(clock: ManualClock, _ connections: [Connection], thenRefusal: String = "connection refused")
  {
    self.clock = clock
    self.connections = connections
    self.thenRefusal = thenRefusal
  }

  /// Camera time (clock seconds) of every connection attempt so far.
  var attemptSeconds: [Double] { lock.withLock { attempts } }

  var opener: PacketSourceOpener {
    PacketSourceOpener { _, _, interrupt throws(MediaError) in try self.open(interrupt) }
  }

  func open(_ interrupt: InterruptState) throws(MediaError) -> any PacketSource {
    let next: Connection = lock.withLock {
      attempts.append(clock.seconds)
      return connections.isEmpty ? .refuse(thenRefusal) : connections.removeFirst()
    }
    switch next {
    case .refuse(let sentence): throw MediaError(sentence)
    case .connect(let layout, let steps):
      return ScriptedSource(layout: layout, steps: steps, clock: clock, interrupt: interrupt)
    }
  }
}

extension ManualClock {
  /// Moves time to the earliest sleeper's deadline and wakes it. False when nobody sleeps.
  @discardableResult
  func advanceToNextDeadline() -> Bool {
    guard let next = nextDeadline else { return false }
    advance(by: now.duration(to: next))
    return true
  }
}

/// Runs the engine under test until `done()` holds: whenever everything waits on the clock, time
/// jumps to the next deadline. Fails (returns false) after `realSeconds` of real time.
func drive(_ clock: ManualClock, realSeconds: Double = 20, until done: () async -> Bool) async
  -> Bool
{
  let end = Date().addingTimeInterval(realSeconds)
  while Date() < end {
    if await done() { return true }
    if !clock.advanceToNextDeadline() { try? await Task.sleep(for: .microseconds(300)) }
  }
  return await done()
}

/// A hand-made layout: one H.264 video stream (its packets are never decoded in these tests).
func recordOnlyLayout(width: Int32 = 1280, height: Int32 = 720) -> StreamLayout {
  var parameters: UnsafeMutablePointer<AVCodecParameters>? = avcodec_parameters_alloc()
  defer { avcodec_parameters_free(&parameters) }
  parameters!.pointee.codec_type = AVMEDIA_TYPE_VIDEO
  parameters!.pointee.codec_id = AV_CODEC_ID_H264
  parameters!.pointee.width = width
  parameters!.pointee.height = height
  return StreamLayout(
    describing: [(UnsafePointer(parameters!), Rational(1, 90_000))], frameRate: Rational(10, 1))
}

/// Collects what a reader hands the recorder, for assertions after the fact.
final class RecorderTap: @unchecked Sendable {
  let input: AsyncStream<RecorderEvent>.Continuation
  private let lock = NSLock()
  private var received: [RecorderEvent] = []
  private var task: Task<Void, Never>?

  init() {
    let (events, input) = AsyncStream<RecorderEvent>.makeStream()
    self.input = input
    task = Task { [unowned self] in
      for await event in events { self.lock.withLock { self.received.append(event) } }
    }
  }

  var events: [RecorderEvent] { lock.withLock { received } }

  var packets: [MediaPacket] {
    events.flatMap { (event: RecorderEvent) -> [MediaPacket] in
      if case .packets(let batch) = event { batch } else { [] }
    }
  }

  var motion: [(on: Bool, atWallMs: Int64)] {
    events.compactMap { (event: RecorderEvent) -> (on: Bool, atWallMs: Int64)? in
      if case .motion(let on, let ms, _) = event { (on, ms) } else { nil }
    }
  }
}

/// Several scripted cameras by URL, for a supervisor: every URL connects and then stays silent
/// (a camera that is up and idle) unless given a script of its own.
final class ScriptedCameras: @unchecked Sendable {
  let clock: ManualClock
  private let lock = NSLock()
  private var byURL: [String: ScriptedOpener] = [:]

  init(clock: ManualClock) { self.clock = clock }

  /// The camera at `url` (made on first use: connects, then hangs until stopped).
  func camera(_ url: String) -> ScriptedOpener {
    lock.withLock {
      if let camera = byURL[url] { return camera }
      let camera = ScriptedOpener(clock: clock, [.connect(recordOnlyLayout(), [.hang])])
      byURL[url] = camera
      return camera
    }
  }

  /// Connection attempts made to `url` so far.
  func attempts(_ url: String) -> Int { camera(url).attemptSeconds.count }

  var opener: PacketSourceOpener {
    PacketSourceOpener { url, _, interrupt throws(MediaError) in
      try self.camera(url).open(interrupt)
    }
  }
}
