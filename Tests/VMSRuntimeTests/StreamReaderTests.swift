// The stream reader through its seams: a scripted packet source instead of FFmpeg's demuxers and a
// manual clock instead of the machine's. What a user would notice: how soon a camera is retried,
// that packets reach the recorder complete and in order, that a lost stream closes the clip and is
// named on the status line, that stopping is immediate.
import Detectors
import Logging
import VMSConfig
import VMSMedia
import XCTest

@testable import VMSRuntime

final class StreamReaderTests: XCTestCase {
  static let wallStartMs: Int64 = 1_795_608_000_000
  let clock = ManualClock()
  lazy var hub = runningHub()
  let tap = RecorderTap()

  private func reader(
    _ camera: ScriptedOpener, role: StreamRole = .record,
    detector: DetectorSettings? = nil
  ) -> StreamReader {
    hub.post(.added(cameraId: "door", name: "Door", enabled: true, roles: [role]))
    return StreamReader(
      cameraId: "door",
      source: .init(url: "scripted://door", transport: .tcp, role: role), hub: hub,
      recorder: tap.input, backlog: RecorderBacklog(), detector: detector,
      detectorMailbox: nil, live: nil, registry: DetectorRegistry(), sources: camera.opener,
      clock: EngineClock(clock, wallMsAtStart: Self.wallStartMs), log: Logger(label: "test"))
  }

  private func status() async -> CameraStatus? { await hub.snapshot().first }

  /// `count` packets of a 25 fps H.264 stream with a keyframe every 25, each after 40 ms.
  private func frames(_ count: Int, from first: Int = 0, spaced: Bool = true) -> [ScriptStep] {
    (first..<first + count).flatMap { n -> [ScriptStep] in
      let packet = ScriptStep.packet(
        ScriptedPacket(
          data: [UInt8(n % 256), 1, 2, 3], pts: Int64(n) * 3600, dts: Int64(n) * 3600,
          duration: 3600, isKeyframe: n % 25 == 0))
      return spaced ? [.wait(.milliseconds(40)), packet] : [packet]
    }
  }

  private func gaps(_ attempts: [Double]) -> [Double] {
    zip(attempts.dropFirst(), attempts).map { ($0 - $1).rounded(toPlaces: 3) }
  }

  func testARefusingCameraIsRetriedAfter1Then2And4UpTo30Seconds() async {
    let camera = ScriptedOpener(clock: clock, [], thenRefusal: "connection refused")
    let reader = reader(camera)
    let task = Task { await reader.run() }
    let reached = await drive(clock) { camera.attemptSeconds.count >= 8 }
    task.cancel()
    await task.value
    XCTAssertTrue(reached, "attempts: \(camera.attemptSeconds)")
    XCTAssertEqual(Array(gaps(camera.attemptSeconds).prefix(7)), [1, 2, 4, 8, 16, 30, 30])
    await settled(hub) {
      $0.first?.state == .reconnecting && $0.first?.error == "connection refused"
    }
  }

  func testTenSecondsOfVideoMakeTheNextRetryQuickAgain() async {
    let camera = ScriptedOpener(
      clock: clock,
      [
        .refuse("connection refused"), .refuse("connection refused"),
        .connect(recordOnlyLayout(), frames(300) + [.fail("the camera stalled")]),
        .refuse("connection refused"),
        .connect(recordOnlyLayout(), frames(50) + [.fail("the camera stalled")]),
      ])
    let reader = reader(camera)
    let task = Task { await reader.run() }
    let reached = await drive(clock) { camera.attemptSeconds.count >= 6 }
    task.cancel()
    await task.value
    XCTAssertTrue(reached, "attempts: \(camera.attemptSeconds)")
    // 0 refused, 1 refused, 3 connected for 12 s (healthy: back to 1 s), 16 refused (2 s),
    // 18 connected for only 2 s (not healthy: the wait doubles to 4 s), 24.
    XCTAssertEqual(camera.attemptSeconds.map { $0.rounded(toPlaces: 3) }, [0, 1, 3, 16, 18, 24])
  }

  func testPacketsReachTheRecorderCompleteInOrderAndInSmallBatches() async {
    // A burst of 40 packets at once (a camera flushing its buffer), then 2 s at 25 fps.
    let script = frames(40, spaced: false) + frames(50, from: 40) + [.fail("the camera stalled")]
    let camera = ScriptedOpener(clock: clock, [.connect(recordOnlyLayout(), script)])
    let reader = reader(camera)
    let task = Task { await reader.run() }
    let reached = await drive(clock) {
      tap.events.contains { if case .disconnected = $0 { true } else { false } }
    }
    task.cancel()
    await task.value
    XCTAssertTrue(reached)

    let events = tap.events
    guard case .connected(let layout)? = events.first else {
      return XCTFail("the recorder must hear of the connection first: \(events)")
    }
    XCTAssertEqual(layout.video?.width, 1280)
    guard case .disconnected? = events.last else {
      return XCTFail("the lost stream must end with a disconnection: \(events)")
    }
    let packets = tap.packets
    XCTAssertEqual(packets.map(\.dts), (0..<90).map { Int64($0) * 3600 })
    XCTAssertEqual(packets.map(\.isKeyframe), (0..<90).map { $0 % 25 == 0 })
    XCTAssertEqual(packets[41].data, [41, 1, 2, 3])
    // Arrival time is the engine's wall clock: the burst at the start, then every 40 ms.
    XCTAssertEqual(packets[0].receivedAtMs, Self.wallStartMs)
    XCTAssertEqual(packets[89].receivedAtMs, Self.wallStartMs + 50 * 40)
    let batches = events.compactMap { (event: RecorderEvent) -> [MediaPacket]? in
      if case .packets(let batch) = event { batch } else { nil }
    }
    XCTAssertEqual(batches.map(\.count).max(), StreamReader.batchPackets)
    for batch in batches {
      let spanMs = batch.last!.receivedAtMs - batch.first!.receivedAtMs
      XCTAssertLessThanOrEqual(spanMs, Int64(StreamReader.batchNanos / 1_000_000) + 40)
    }
    XCTAssertGreaterThan(batches.count, 10, "timed packets go in batches of about 0.1 s")
    await settled(hub) {
      $0.first?.state == .reconnecting && $0.first?.error == "the camera stalled"
    }
  }

  func testCancellingEndsABackoffWaitAtOnce() async {
    let camera = ScriptedOpener(clock: clock, [], thenRefusal: "connection refused")
    let reader = reader(camera)
    let task = Task { await reader.run() }
    let waiting = await drive(clock, realSeconds: 5) { clock.sleeperCount > 0 }
    XCTAssertTrue(waiting)
    // The clock never moves again: only the cancellation can end the 1 s wait.
    let stopped = Date()
    task.cancel()
    await task.value
    XCTAssertLessThan(Date().timeIntervalSince(stopped), 1)
    XCTAssertEqual(camera.attemptSeconds, [0])
  }

  func testCancellingAbortsAReadThatHangsAndIsNoDisconnection() async {
    let camera = ScriptedOpener(
      clock: clock, [.connect(recordOnlyLayout(), frames(3) + [.hang])])
    let reader = reader(camera)
    let task = Task { await reader.run() }
    let connected = await drive(clock, realSeconds: 5) { await self.status()?.state == .connected }
    XCTAssertTrue(connected)
    try? await Task.sleep(for: .milliseconds(50))
    let stopped = Date()
    task.cancel()
    await task.value
    XCTAssertLessThan(Date().timeIntervalSince(stopped), 1)
    // A stop hands over what was read; the recorder finalises when its stream ends, it is not told
    // the camera was lost.
    XCTAssertEqual(tap.packets.count, 3)
    XCTAssertFalse(tap.events.contains { if case .disconnected = $0 { true } else { false } })
  }
}

extension Double {
  func rounded(toPlaces places: Int) -> Double {
    let scale = pow(10, Double(places))
    return (self * scale).rounded() / scale
  }
}
