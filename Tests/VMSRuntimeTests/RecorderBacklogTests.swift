import Foundation
import Synchronization
import VMSMedia
import XCTest

@testable import VMSRuntime

/// The record reader hands packets to the recorder through a backlog bounded in bytes: a stalled
/// disk must neither grow memory without limit nor block the reader.
final class RecorderBacklogTests: XCTestCase {
  private static let video = 0
  private static let audio = 1

  private func packet(_ n: Int, stream: Int = video, key: Bool = false, bytes: Int = 1_000)
    -> MediaPacket
  {
    MediaPacket(
      streamIndex: stream, data: [UInt8](repeating: 0, count: bytes), pts: Int64(n), dts: Int64(n),
      duration: 1,
      isKeyframe: key, receivedAtMs: Int64(n))
  }

  private func describe(_ events: [RecorderEvent]) -> [String] {
    events.map { event in
      switch event {
      case .packets(let packets): "packets \(packets.map(\.dts))"
      case .gap: "gap"
      default: "other"
      }
    }
  }

  func testDropsPastTheLimitAndResumesOnlyOnAVideoKeyframeOnceHalfEmpty() {
    let backlog = RecorderBacklog(limitBytes: 5_000)
    // Nobody writes: five packets fit, the sixth starts a gap, the rest are dropped.
    let first = (0..<8).map { packet($0, key: $0 == 0) }
    let events = backlog.admit(first, videoIndex: Self.video)
    XCTAssertEqual(describe(events), ["packets [0, 1, 2, 3, 4]", "gap"])
    XCTAssertEqual(backlog.bytesQueued, 5_000)
    XCTAssertEqual(backlog.packetsDropped, 3)

    // Still full: even a keyframe waits.
    XCTAssertEqual(describe(backlog.admit([packet(8, key: true)], videoIndex: Self.video)), [])
    // The recorder catches up; a P-frame or an audio packet cannot restart a clip, a video keyframe can.
    if case .packets(let written) = events[0] { backlog.written(written) }
    XCTAssertEqual(backlog.bytesQueued, 0)
    let resumed = backlog.admit(
      [packet(9), packet(10, stream: Self.audio, key: true), packet(11, key: true), packet(12)],
      videoIndex: Self.video)
    XCTAssertEqual(describe(resumed), ["packets [11, 12]"])
    XCTAssertEqual(backlog.packetsDropped, 6)
  }

  /// A sink far slower than the camera: memory stays under the limit, the producer never waits,
  /// every gap is announced, and every run of packets after a gap starts on a video keyframe.
  func testSlowSinkKeepsTheBacklogBoundedAndNeverBlocksTheProducer() async throws {
    let limit = 64_000
    let backlog = RecorderBacklog(limitBytes: limit)
    let (events, input) = AsyncStream<RecorderEvent>.makeStream(bufferingPolicy: .unbounded)
    let highest = Atomic<Int>(0)

    let sink = Task {
      var received: [RecorderEvent] = []
      for await event in events {
        received.append(event)
        if case .packets(let packets) = event {
          // A disk that writes ~1 packet per ms at best.
          try? await Task.sleep(for: .milliseconds(2))
          backlog.written(packets)
        }
      }
      return received
    }

    let produced = 3_000
    let started = ContinuousClock.now
    for n in 0..<produced {
      // 25 fps with a keyframe every 10 frames, 2 kB each, handed over as fast as the loop goes.
      for event in backlog.admit(
        [packet(n, key: n % 10 == 0, bytes: 2_000)], videoIndex: Self.video)
      {
        input.yield(event)
      }
      let queued = backlog.bytesQueued
      if queued > highest.load(ordering: .relaxed) { highest.store(queued, ordering: .relaxed) }
      if n % 100 == 0 { try await Task.sleep(for: .milliseconds(1)) }
    }
    let producing = ContinuousClock.now - started
    input.finish()
    let received = await sink.value

    XCTAssertLessThanOrEqual(
      highest.load(ordering: .relaxed), limit, "the backlog grew past its limit")
    XCTAssertGreaterThan(backlog.packetsDropped, 0, "a sink this slow must make the reader drop")
    XCTAssertLessThan(producing, .seconds(5), "the producer waited on the sink")
    var afterGap = false
    var gaps = 0
    var delivered = 0
    for event in received {
      switch event {
      case .gap:
        gaps += 1
        afterGap = true
      case .packets(let packets):
        if afterGap {
          XCTAssertTrue(
            packets.first?.isKeyframe == true, "a run after a gap starts on \(packets.first!.dts)")
          afterGap = false
        }
        delivered += packets.count
      default: break
      }
    }
    XCTAssertGreaterThan(gaps, 0)
    XCTAssertEqual(
      delivered + backlog.packetsDropped, produced, "every packet is either delivered or counted")
    XCTAssertEqual(backlog.bytesQueued, 0)
  }
}
