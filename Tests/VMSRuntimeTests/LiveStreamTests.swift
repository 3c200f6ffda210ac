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
    for case .binary(let fragment) in messages.dropFirst(2) { file += fragment }
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
    let binaries = after.filter { if case .binary = $0 { true } else { false } }
    XCTAssertEqual(binaries.count, 1 + 10)
  }
}

extension Array {
  subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
