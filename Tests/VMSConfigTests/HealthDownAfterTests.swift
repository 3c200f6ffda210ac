import VMSConfig
import XCTest

final class HealthDownAfterTests: XCTestCase {
  func testDefaultIsFiveMinutesAndTheKeyTakesADuration() throws {
    let keys: [String: Set<String>] = ["mog2": [], "none": []]
    XCTAssertEqual(
      try ConfigLoader.parse(text: "cameras: {}\n", path: "/v.yaml", detectorOptionKeys: keys)
        .server.healthDownAfterSeconds, 300)
    let config = try ConfigLoader.parse(
      text: "server:\n  health_down_after: 90s\n", path: "/v.yaml", detectorOptionKeys: keys)
    XCTAssertEqual(config.server.healthDownAfterSeconds, 90)
    XCTAssertThrowsError(
      try ConfigLoader.parse(
        text: "server:\n  health_down_after: soon\n", path: "/v.yaml", detectorOptionKeys: keys)
    ) { error in
      let problems = (error as? ConfigError)?.problems ?? []
      XCTAssertEqual(problems.map(\.line), [2], "\(problems)")
    }
  }
}
