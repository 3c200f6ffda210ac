// MSE live video through the engine's seams: a stream reader on a scripted H.264 camera feeds a
// LiveStream, and viewers read what a browser's player would get. What a user would see: the
// picture starts at once from the newest keyframe, every frame follows in order, a camera that goes
// down is said, and its return starts a new stream the player resets to.
import Detectors
import Logging
import TestSupport
import VMSConfig
import VMSMedia
import XCTest

@testable import VMSRuntime

final class LiveStreamTests: XCTestCase {
  let clock = ManualClock()
  lazy var hub = runningHub()

  private func reader(_ camera: ScriptedOpener, video: LiveStream) -> StreamReader {
    hub.post(.added(cameraId: "door", name: "Door", enabled: true, roles: [.record]))
    return StreamReader(
      cameraId: "door", source: .init(url: "scripted://door", transport: .tcp, role: .record),
      hub: hub, recorder: nil, backlog: RecorderBacklog(), detector: nil, detectorMailbox: nil,
      live: nil, registry: DetectorRegistry(), liveVideo: video, sources: camera.opener,
      clock: EngineClock(clock, wallMsAtStart: 1_795_608_000_000), log: Logger(label: "test"))
  }

  /// Messages the viewer has ready now (without waiting for more).
  private func ready(_ viewer: LiveViewer, upTo count: Int) async -> [LiveViewer.Message] {
    var messages: [LiveViewer.Message] = []
    while messages.count < count {
      let next = await withTaskGroup(of: LiveViewer.Message?.self) { group in
        group.addTask { await viewer.next() }
        group.addTask {
          try? await Task.sleep(for: .milliseconds(300))
          return nil
        }
        let first = await group.next() ?? nil
        group.cancelAll()
        return first
      }
      guard let next else { break }
      messages.append(next)
    }
    return messages
  }

  private func json(_ message: LiveViewer.Message?) -> [String: Any]? {
    guard case .text(let text)? = message else { return nil }
    return (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
  }

  func testAViewerArrivingMidGOPStartsAtTheNewestKeyframeThenGetsEveryFrame() async throws {
    let video = SyntheticVideo(fps: 10, gopSeconds: 2, codec: .h264)
    // 2.5 s of video, then the camera stays up but sends nothing more until released.
    let camera = ScriptedOpener(
      clock: clock, [.connect(video.layout(), video.steps(seconds: 2.5, moving: true) + [.hang])])
    let stream = LiveStream()
    let task = Task { [reader = reader(camera, video: stream)] in await reader.run() }
    let connected = await drive(clock, realSeconds: 5) { clock.seconds >= 2.5 }
    XCTAssertTrue(connected)
    try await Task.sleep(for: .milliseconds(100))

    // Frames 0..24 were read; the newest keyframe is frame 20 (one every 20 frames).
    let viewer = stream.subscribe()
    let messages = await ready(viewer, upTo: 20)
    task.cancel()
    await task.value
    guard let description = json(messages.first) else {
      return XCTFail("first a description of the stream: \(messages.first.debugDescription)")
    }
    XCTAssertEqual(description["type"] as? String, "stream")
    XCTAssertEqual(description["width"] as? Int, 320)
    XCTAssertTrue((description["mime"] as? String)?.hasPrefix("video/mp4; codecs=\"avc1.") ?? false)
    guard messages.count == 2 + 5, case .binary(let initSegment) = messages[1] else {
      return XCTFail("then the init segment and the 5 frames since the keyframe: \(messages.count)")
    }
    XCTAssertEqual(Array(initSegment[4..<8]), Array("ftyp".utf8))
    // The fragments, written after the init segment, are a file FFmpeg reads back: 5 frames
    // from a keyframe, 0.5 s, decoded without damage.
    var file = initSegment
    for case .fragment(let fragment) in messages.dropFirst(2) { file += fragment.bytes }
    let path = NSTemporaryDirectory() + "live-view-" + UUID().uuidString + ".mp4"
    try Data(file).write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let probe = try MediaProbe.probe(path: path)
    XCTAssertEqual(probe.videoFrames, 5)
    XCTAssertEqual(probe.durationSeconds, 0.5, accuracy: 0.001)
    viewer.leave()
  }

  func testACameraThatGoesDownIsSaidAndItsReturnStartsANewGeneration() async throws {
    let video = SyntheticVideo(fps: 10, gopSeconds: 1, codec: .h264)
    let camera = ScriptedOpener(
      clock: clock,
      [
        .connect(
          video.layout(), video.steps(seconds: 1, moving: false) + [.fail("the camera stalled")]),
        .connect(video.layout(), video.steps(seconds: 1, moving: false) + [.hang]),
      ])
    let stream = LiveStream()
    let viewer = stream.subscribe()
    // The player reads as messages come, as a connected browser does.
    let player = Task {
      var messages: [LiveViewer.Message] = []
      while let message = await viewer.next() { messages.append(message) }
      return messages
    }
    let task = Task { [reader = reader(camera, video: stream)] in await reader.run() }
    let reconnected = await drive(clock, realSeconds: 5) { camera.attemptSeconds.count >= 2 }
    XCTAssertTrue(reconnected)
    try await Task.sleep(for: .milliseconds(300))
    task.cancel()
    await task.value
    XCTAssertEqual(stream.viewerCount, 1)
    viewer.leave()
    XCTAssertEqual(stream.viewerCount, 0)
    let messages = await player.value

    // The lost stream is said with its reason; what the player had not read of the first
    // generation by then is dropped (stale), so the test looks from the loss on: the second
    // generation is described, sent whole (its init segment, then 1 s at 10 fps), and stopped.
    guard
      let lost = messages.firstIndex(where: {
        json($0)?["type"] as? String == "state"
          && json($0)?["error"] as? String == "the camera stalled"
      })
    else { return XCTFail("the loss was not said: \(messages.compactMap { json($0) })") }
    let after = Array(messages[(lost + 1)...])
    let texts = after.compactMap { json($0) }
    XCTAssertEqual(texts.map { $0["type"] as? String }, ["stream", "state"])
    XCTAssertEqual(texts[safe: 0]?["generation"] as? Int, 2)
    XCTAssertEqual(texts[safe: 1]?["state"] as? String, "stopped")
    let initSegments = after.filter { if case .binary = $0 { true } else { false } }
    let fragments = after.filter { if case .fragment = $0 { true } else { false } }
    XCTAssertEqual([initSegments.count, fragments.count], [1, 10])
  }

  func testViewersShareEachFramesBytesAndASlowOneSkipsWithoutTouchingTheOthers() throws {
    // 1280x720 H.264 at 10 fps, a keyframe a second (about 12 kB): 10 s read, a frame at a time.
    let video = SyntheticVideo(width: 1280, height: 720, fps: 10, gopSeconds: 1, codec: .h264)
    let stream = LiveStream()
    stream.connected(video.layout())
    let fast = TestPlayer(stream.subscribe())
    let slow = TestPlayer(stream.subscribe())
    var late: TestPlayer?
    for (n, packet) in video.packets(seconds: 10, moving: true).enumerated() {
      packet.data.withUnsafeBufferPointer {
        stream.packet(
          streamIndex: 0, data: $0, dts: packet.dts, pts: packet.pts, isKeyframe: packet.isKeyframe)
      }
      if n == 35 { late = TestPlayer(stream.subscribe()) }
      // The fast and late players append each frame as it comes; the slow one reads all but
      // appends nothing for 5 s (its decoder is stuck), then keeps up.
      fast.drain()
      late?.drain()
      slow.drain(appending: n >= 50)
    }
    XCTAssertEqual(fast.fragments.count, 100, "the fast viewer gets every frame")
    XCTAssertEqual(late?.fragments.count, 70, "the late one from the keyframe before it came")
    XCTAssertEqual([fast.viewer.skips, slow.viewer.skips, late?.viewer.skips], [0, 1, 0])
    XCTAssertGreaterThan(stream.fragmentsSkipped, 0)
    XCTAssertEqual(slow.texts, ["stream", "behind", "skip"])
    XCTAssertGreaterThanOrEqual(slow.fragments.count, 40, "from the skip on, every frame")

    // Each frame's mdat was written once: every viewer's is the same storage. The slow viewer
    // started with the fast one, so even its moofs are the fast one's; the late viewer's timeline
    // starts at its first keyframe, so its moofs are its own.
    let fastByMdat = Dictionary(
      fast.fragments.map { (storage($0.mdat), $0) }, uniquingKeysWith: { a, _ in a })
    for fragment in slow.fragments {
      let same = try XCTUnwrap(fastByMdat[storage(fragment.mdat)], "an mdat of its own")
      XCTAssertEqual(same, fragment)
      XCTAssertEqual(storage(same.moof), storage(fragment.moof), "a moof of its own")
    }
    for fragment in late?.fragments ?? [] {
      let same = try XCTUnwrap(fastByMdat[storage(fragment.mdat)], "an mdat of its own")
      XCTAssertNotEqual(same.moof, fragment.moof)
      XCTAssertLessThan(fragment.moof.count, 128)
    }
    for player in [fast, slow, late].compactMap({ $0 }) { player.viewer.leave() }
  }

  func testASnapshotIsTheNewestKeyframeAtTheStreamsResolutionWatchedOrNot() async throws {
    let video = SyntheticVideo(width: 640, height: 360, fps: 10, gopSeconds: 1, codec: .h264)
    let stream = LiveStream()
    func feed(seconds: Double) {
      for packet in video.packets(seconds: seconds, moving: true) {
        packet.data.withUnsafeBufferPointer {
          stream.packet(
            streamIndex: 0, data: $0, dts: packet.dts, pts: packet.pts,
            isKeyframe: packet.isKeyframe)
        }
      }
    }
    let none = await stream.snapshotJPEG()
    XCTAssertNil(none, "no picture before the stream has a keyframe")
    stream.connected(video.layout())
    feed(seconds: 1.5)
    // Nobody watches: the keyframe is kept as the camera sent it.
    let firstJPEG = await stream.snapshotJPEG()
    let unwatched = try XCTUnwrap(firstJPEG)
    XCTAssertEqual(jpegSize(unwatched)?.width, 640)
    XCTAssertEqual(jpegSize(unwatched)?.height, 360)
    // Watched: the keyframe is kept only in its MP4 form, and decodes just as well.
    let viewer = stream.subscribe()
    feed(seconds: 1)
    try await Task.sleep(for: .seconds(LiveSnapshot.reuseSeconds + 0.1))
    let secondJPEG = await stream.snapshotJPEG()
    let watched = try XCTUnwrap(secondJPEG)
    XCTAssertNotEqual(watched, unwatched, "a newer keyframe")
    XCTAssertEqual(jpegSize(watched)?.width, 640)
    XCTAssertEqual(jpegSize(watched)?.height, 360)
    let again = await stream.snapshotJPEG()
    XCTAssertEqual(again, watched, "reused within a second")
    viewer.leave()
    // Decoded on a thread of its own, never on the cooperative pool the web server shares.
    XCTAssertEqual(threadNames()["snapshots"], 1)
  }

  /// Width and height from a JPEG's start-of-frame marker.
  private func jpegSize(_ jpeg: [UInt8]) -> (width: Int, height: Int)? {
    var i = 2
    while i + 9 < jpeg.count {
      guard jpeg[i] == 0xFF else { return nil }
      let marker = jpeg[i + 1]
      let length = Int(jpeg[i + 2]) << 8 | Int(jpeg[i + 3])
      if (0xC0...0xC3).contains(marker) {
        return (Int(jpeg[i + 7]) << 8 | Int(jpeg[i + 8]), Int(jpeg[i + 5]) << 8 | Int(jpeg[i + 6]))
      }
      i += 2 + length
    }
    return nil
  }

  private func storage(_ bytes: [UInt8]) -> UnsafeRawPointer? {
    bytes.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
  }
}

/// A player that reads what is ready and acknowledges it all, as a browser keeping up does.
private final class TestPlayer {
  let viewer: LiveViewer
  private(set) var messages: [LiveViewer.Message] = []
  private(set) var readBytes = 0

  init(_ viewer: LiveViewer) { self.viewer = viewer }

  /// Reads what is ready; `appending`: and acknowledges all it has read so far.
  func drain(appending: Bool = true) {
    while let message = viewer.ready() {
      if case .fragment(let fragment) = message { readBytes += fragment.count }
      messages.append(message)
    }
    if appending { viewer.acknowledge(totalBytes: readBytes) }
  }

  var fragments: [LiveFragment] {
    messages.compactMap { if case .fragment(let fragment) = $0 { fragment } else { nil } }
  }

  var texts: [String] {
    messages.compactMap {
      guard case .text(let text) = $0,
        let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
      else { return nil }
      return object["type"] as? String
    }
  }
}

extension Array {
  subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
