// The status hub as the engine's tests use it: running as its service does under `vms serve`, and
// read once the posts before have been applied (they are applied in order, asynchronously).
import XCTest

@testable import VMSRuntime

extension XCTestCase {
  /// A hub whose service runs (as under `vms serve`'s ServiceGroup) until the test ends.
  func runningHub(clock: EngineClock = .live) -> StatusHub {
    let hub = StatusHub(clock: clock)
    let running = Task { await hub.run() }
    addTeardownBlock {
      running.cancel()
      await running.value
    }
    return hub
  }

  /// Waits (up to 5 s) until the hub's snapshot satisfies `condition`: posts are applied in order
  /// but asynchronously.
  @discardableResult
  func settled(
    _ hub: StatusHub, _ condition: @escaping ([CameraStatus]) -> Bool,
    file: StaticString = #filePath, line: UInt = #line
  ) async -> [CameraStatus] {
    let deadline = ContinuousClock.now + .seconds(5)
    while ContinuousClock.now < deadline {
      let snapshot = await hub.snapshot()
      if condition(snapshot) { return snapshot }
      try? await Task.sleep(for: .milliseconds(5))
    }
    let snapshot = await hub.snapshot()
    XCTFail("the hub never reached the expected state: \(snapshot)", file: file, line: line)
    return snapshot
  }
}
