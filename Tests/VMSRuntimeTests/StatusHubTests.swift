import ServiceLifecycle
import ServiceLifecycleTestKit
import TestSupport
import XCTest

@testable import VMSRuntime

/// The status hub: what every browser and /api/v1/health see of the cameras.
final class StatusHubTests: XCTestCase {
  private func status(_ snapshot: [CameraStatus], _ id: String) -> CameraStatus? {
    snapshot.first { $0.id == id }
  }

  func testALateSubscriberStartsWithTheSnapshot() async {
    let hub = runningHub()
    hub.post(.added(cameraId: "door", name: "Door", enabled: true, roles: [.both]))
    hub.post(.stream(cameraId: "door", role: .both, state: .connected, error: nil))
    hub.post(.added(cameraId: "yard", name: "Yard", enabled: false, roles: [.both]))
    _ = await settled(hub) { $0.count == 2 && $0[0].state == .connected }
    var events = await hub.subscribe().makeAsyncIterator()
    guard case .snapshot(let snapshot)? = await events.next() else {
      return XCTFail("no snapshot first")
    }
    XCTAssertEqual(snapshot.map(\.id), ["door", "yard"], "in configuration order")
    XCTAssertEqual(snapshot.map(\.state), [.connected, .disabled])
  }

  func testARejectedConfigurationIsToldToLateSubscribers() async {
    let hub = runningHub()
    let report = ConfigurationReport(applied: false, problems: ["vms.yaml: the file is empty"])
    hub.post(.configuration(report))
    let deadline = ContinuousClock.now + .seconds(5)
    while ContinuousClock.now < deadline, await hub.configuration() != report {
      try? await Task.sleep(for: .milliseconds(5))
    }
    var events = await hub.subscribe().makeAsyncIterator()
    _ = await events.next()
    let second = await events.next()
    XCTAssertEqual(second, .configuration(report))
  }

  func testASlowSubscriberNeitherBlocksTheHubNorOthers() async {
    let hub = runningHub()
    hub.post(.added(cameraId: "door", name: "Door", enabled: true, roles: [.both]))
    _ = await settled(hub) { $0.count == 1 }
    let slow = await hub.subscribe()  // never read until the end
    var fast = await hub.subscribe().makeAsyncIterator()
    _ = await fast.next()
    for i in 0..<5_000 { hub.post(.motion(cameraId: "door", i % 2 == 0)) }
    hub.post(.renamed(cameraId: "door", name: "Front door"))
    var last: CameraStatus?
    while let event = await fast.next() {
      if case .changed(let status) = event, status.name == "Front door" {
        last = status
        break
      }
    }
    XCTAssertEqual(
      last?.name, "Front door", "the fast subscriber got every change through to the end")
    // The slow one kept only the newest events (a bounded buffer), ending with the rename.
    var kept = 0
    var final: StatusEvent?
    for await event in slow {
      kept += 1
      final = event
      if case .changed(let status) = event, status.name == "Front door" { break }
    }
    XCTAssertLessThanOrEqual(kept, 256)
    XCTAssertEqual(final, .changed(last!))
  }

  func testTheWorstInputNamesTheCameraStateAndItsError() async {
    let clock = ManualClock()
    let startMs: Int64 = 1_796_680_000_000
    let hub = runningHub(clock: EngineClock(clock, wallMsAtStart: startMs))
    hub.post(.added(cameraId: "door", name: "Door", enabled: true, roles: [.record, .detect]))
    hub.post(.stream(cameraId: "door", role: .record, state: .connected, error: nil))
    hub.post(.stream(cameraId: "door", role: .detect, state: .connected, error: nil))
    await settled(hub) { $0.first?.state == .connected && $0.first?.downSinceMs == nil }
    clock.advance(by: .seconds(5))
    hub.post(
      .stream(cameraId: "door", role: .detect, state: .reconnecting, error: "401 Unauthorized"))
    let snapshot = await settled(hub) { $0.first?.state == .reconnecting }
    XCTAssertEqual(status(snapshot, "door")?.error, "detect_url: 401 Unauthorized")
    // Down since the moment the hub heard of it, on the engine's clock.
    XCTAssertEqual(status(snapshot, "door")?.downSinceMs, startMs + 5000)
    clock.advance(by: .seconds(3))
    hub.post(
      .stream(cameraId: "door", role: .detect, state: .reconnecting, error: "connection refused"))
    let later = await settled(hub) {
      self.status($0, "door")?.error == "detect_url: connection refused"
    }
    XCTAssertEqual(status(later, "door")?.downSinceMs, startMs + 5000, "still down since then")
    hub.post(.stream(cameraId: "door", role: .detect, state: .connected, error: nil))
    let back = await settled(hub) { $0.first?.state == .connected }
    XCTAssertNil(status(back, "door")?.error)
    XCTAssertNil(status(back, "door")?.downSinceMs)
  }

  func testALostDetectInputEndsMotionButALostRecordInputReportsIt() async {
    let hub = runningHub()
    hub.post(.added(cameraId: "door", name: "Door", enabled: true, roles: [.record, .detect]))
    hub.post(.stream(cameraId: "door", role: .record, state: .connected, error: nil))
    hub.post(.stream(cameraId: "door", role: .detect, state: .connected, error: nil))
    hub.post(.motion(cameraId: "door", true))
    _ = await settled(hub) { $0.first?.motion == true }
    hub.post(.stream(cameraId: "door", role: .detect, state: .reconnecting, error: "stalled"))
    let snapshot = await settled(hub) { $0.first?.state == .reconnecting }
    XCTAssertEqual(
      status(snapshot, "door")?.motion, false, "no motion is shown for a camera nobody watches")
  }

  func testDamageAndAFullDiskAreShownOnAConnectedCamera() async {
    let hub = runningHub()
    hub.post(.added(cameraId: "door", name: "Door", enabled: true, roles: [.both]))
    hub.post(.stream(cameraId: "door", role: .both, state: .connected, error: nil))
    hub.post(
      .damage(cameraId: "door", role: .both, message: "video damaged: 40 bad frames in 10 s"))
    var snapshot = await settled(hub) { $0.first?.error != nil }
    XCTAssertEqual(snapshot.first?.state, .connected)
    XCTAssertEqual(snapshot.first?.error, "video damaged: 40 bad frames in 10 s")
    hub.post(.diskPressure("disk full: 1 GB free"))
    snapshot = await settled(hub) { $0.first?.error == "disk full: 1 GB free" }
    hub.post(.diskPressure(nil))
    hub.post(.damage(cameraId: "door", role: .both, message: nil))
    snapshot = await settled(hub) { $0.first?.error == nil }
    XCTAssertEqual(snapshot.first?.state, .connected)
  }

  func testARemovedCameraLeavesTheSnapshotAndIsAnnounced() async {
    let hub = runningHub()
    hub.post(.added(cameraId: "door", name: "Door", enabled: true, roles: [.both]))
    hub.post(.added(cameraId: "yard", name: "Yard", enabled: true, roles: [.both]))
    _ = await settled(hub) { $0.count == 2 }
    var events = await hub.subscribe().makeAsyncIterator()
    _ = await events.next()
    hub.post(.removed(cameraId: "door"))
    let next = await events.next()
    XCTAssertEqual(next, .removed(cameraId: "door"))
    let snapshot = await hub.snapshot()
    XCTAssertEqual(snapshot.map(\.id), ["yard"])
  }

  func testUpdatesForAnUnknownCameraAreIgnored() async {
    let hub = runningHub()
    hub.post(.stream(cameraId: "ghost", role: .both, state: .connected, error: nil))
    hub.post(.added(cameraId: "door", name: "Door", enabled: true, roles: [.both]))
    let snapshot = await settled(hub) { $0.count == 1 }
    XCTAssertEqual(snapshot.map(\.id), ["door"])
  }

  func testGracefulShutdownAppliesWhatWasPostedThenEndsEverySubscriber() async {
    await testGracefulShutdown { shutdown in
      let hub = StatusHub()
      hub.post(.added(cameraId: "door", name: "Door", enabled: true, roles: [.both]))
      let running = Task { await hub.run() }
      var events = await hub.subscribe().makeAsyncIterator()
      _ = await events.next()
      // Posted just before the stop (a camera's last status as it stops): still applied and sent.
      hub.post(.stream(cameraId: "door", role: .both, state: .connected, error: nil))
      shutdown.triggerGracefulShutdown()
      let stopped = await ends(running, within: .seconds(5))
      XCTAssertTrue(stopped, "run() returns on graceful shutdown")
      var seen: [StatusEvent] = []
      while let event = await events.next() { seen.append(event) }
      XCTAssertTrue(
        seen.contains { if case .changed(let s) = $0 { s.state == .connected } else { false } },
        "the status posted before the shutdown reached the subscriber: \(seen)")
      let late = await hub.subscribe()
      var lateEvents: [StatusEvent] = []
      for await event in late { lateEvents.append(event) }
      XCTAssertEqual(lateEvents.count, 1, "a late subscriber gets the snapshot, then the end")
      let final = await hub.snapshot()
      XCTAssertEqual(final.first?.state, .connected)
    }
  }
}
