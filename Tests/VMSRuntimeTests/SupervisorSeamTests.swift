// The supervisor with real cameras on scripted sources: a reload touches only what changed. What a
// user relies on: editing one camera never drops another camera's connection (nor its open clip).
import Detectors
import Foundation
import Logging
import Storage
import VMSConfig
import XCTest

@testable import VMSRuntime

final class SupervisorSeamTests: XCTestCase {
  let clock = ManualClock()
  lazy var hub = runningHub()

  private static func yaml(_ folder: String, cameras: [(id: String, name: String, url: String)])
    -> String
  {
    var text = "server:\n  data_dir: \"\(folder)/data\"\ncameras:\n"
    for camera in cameras {
      text += """
          \(camera.id):
            name: "\(camera.name)"
            record_url: "\(camera.url)"
            detector: { type: none }

        """
    }
    return text
  }

  private func state(_ id: String) async -> ConnectionState? {
    await hub.snapshot().first { $0.id == id }?.state
  }

  func testAReloadRestartsOnlyTheCameraWhoseURLChangedAndRenamesInPlace() async throws {
    let storage = try StorageFixture()
    let cameras = ScriptedCameras(clock: clock)
    let supervisor = Supervisor(
      hub: hub, index: storage.index, live: LiveFeeds(), registry: .builtIn,
      sources: cameras.opener, clock: EngineClock(clock, wallMsAtStart: 1_795_608_000_000),
      log: Logger(label: "test"))
    let path = storage.path + "/vms.yaml"
    let gate = "rtsp://192.0.2.10/gate"
    let yard = "rtsp://192.0.2.11/yard"
    let yardHD = "rtsp://192.0.2.11/yard-hd"

    var report = await supervisor.reload(
      text: Self.yaml(storage.path, cameras: [("gate", "Gate", gate), ("yard", "Yard", yard)]),
      path: path)
    XCTAssertTrue(report.applied, "\(report.problems)")
    let connected = await drive(clock, realSeconds: 10) {
      let gateState = await self.state("gate")
      let yardState = await self.state("yard")
      return gateState == .connected && yardState == .connected
    }
    XCTAssertTrue(connected)

    // The yard gets a new URL and the gate a new name.
    report = await supervisor.reload(
      text: Self.yaml(
        storage.path, cameras: [("gate", "Front gate", gate), ("yard", "Yard", yardHD)]),
      path: path)
    XCTAssertTrue(report.applied, "\(report.problems)")
    let moved = await drive(clock, realSeconds: 10) {
      let yardState = await self.state("yard")
      return cameras.attempts(yardHD) == 1 && yardState == .connected
    }
    XCTAssertTrue(moved)
    XCTAssertEqual(cameras.attempts(gate), 1, "the gate's connection must not be touched")
    XCTAssertEqual(cameras.attempts(yard), 1)
    await settled(hub) { cameras in
      cameras.contains { $0.id == "gate" && $0.name == "Front gate" && $0.state == .connected }
    }

    // The yard removed: the gate is still not touched.
    report = await supervisor.reload(
      text: Self.yaml(storage.path, cameras: [("gate", "Front gate", gate)]), path: path)
    XCTAssertTrue(report.applied)
    await settled(hub) { $0.map(\.id) == ["gate"] }
    XCTAssertEqual(cameras.attempts(gate), 1)
    await supervisor.shutdown()
  }
}
