// `retention: { continuous_days, events_days }` in `storage:` and per camera: what each kind
// follows when not written, problems at their line with a hint, and the warning for event footage
// kept shorter than continuous footage.

import VMSConfig
import XCTest

final class RetentionPerKindConfigTests: XCTestCase {
  private func load(_ text: String) throws -> VMSConfiguration {
    try ConfigLoader.parse(
      text: text, path: "/tmp/vms.yaml", detectorOptionKeys: testDetectorOptions)
  }

  private let camera = "cameras:\n  yard:\n    record_url: rtsp://192.0.2.10/s\n"

  func testEachKindFollowsRetentionDaysUnlessWritten() throws {
    let plain = try load(camera)
    XCTAssertEqual(plain.storage.retention, RetentionDays(all: 14))
    XCTAssertEqual(plain.cameras[0].retention, RetentionDays(all: 14))

    let global = try load(
      "storage:\n  retention_days: 20\n  retention: { continuous_days: 3 }\n" + camera
        + "  door:\n    record_url: rtsp://192.0.2.11/s\n    retention_days: 5\n"
        + "  gate:\n    record_url: rtsp://192.0.2.12/s\n    retention_days: 5\n"
        + "    retention:\n      events_days: 60\n")
    XCTAssertEqual(global.storage.retention, RetentionDays(continuousDays: 3, eventsDays: 20))
    XCTAssertEqual(
      global.cameras[0].retention, RetentionDays(continuousDays: 3, eventsDays: 20),
      "a camera without its own follows storage.retention")
    XCTAssertEqual(
      global.cameras[1].retention, RetentionDays(all: 5), "its retention_days sets both kinds")
    XCTAssertEqual(global.cameras[2].retention, RetentionDays(continuousDays: 5, eventsDays: 60))
    XCTAssertEqual(global.warnings, [])
  }

  func testBadValuesAreProblemsAtTheirLineWithAHint() {
    XCTAssertThrowsError(
      try load(camera + "    retention:\n      continuous_days: -1\n      event_days: 3\n")
    ) { error in
      let problems = (error as? ConfigError)?.problems ?? []
      XCTAssertEqual(problems.count, 2, "\(problems)")
      XCTAssertEqual(problems.first?.line, 5)
      XCTAssertEqual(problems.first?.key, "cameras.yard.retention.continuous_days")
      XCTAssertNotNil(problems.first?.hint)
      XCTAssertEqual(problems.last?.line, 6)
      XCTAssertEqual(problems.last?.hint?.contains("events_days"), true, "\(problems)")
    }
    XCTAssertThrowsError(try load("storage:\n  continuous_days: 3\n" + camera)) { error in
      let problem = (error as? ConfigError)?.problems.first
      XCTAssertEqual(problem?.line, 2)
      XCTAssertEqual(
        problem?.hint?.contains("retention: block"), true, "\(String(describing: problem))")
    }
  }

  func testEventsKeptShorterThanContinuousFootageIsAWarning() throws {
    let config = try load(
      "storage:\n  retention:\n    continuous_days: 30\n    events_days: 7\n" + camera)
    XCTAssertEqual(config.warnings.count, 1)
    XCTAssertEqual(config.warnings.first?.line, 4)
    XCTAssertEqual(config.warnings.first?.key, "storage.retention.events_days")
    XCTAssertEqual(config.warnings.first?.hint?.contains("at least continuous_days"), true)
  }
}
