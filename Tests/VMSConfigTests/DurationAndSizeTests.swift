// Table tests of the duration and size syntax.

import VMSConfig
import XCTest

final class DurationAndSizeTests: XCTestCase {
  func testDurations() {
    let cases: [(String, Double?)] = [
      ("5", 5), ("0", 0), ("2.5", 2.5), ("500ms", 0.5), ("5s", 5), ("10m", 600), ("1h", 3600),
      ("1h30m", 5400), ("1h 30m", 5400), ("1m30s", 90), ("1.5s", 1.5), ("2d", 172_800),
      ("1h30m15s250ms", 5415.25), (" 5s ", 5), ("5S", 5), ("-5s", -5), ("-3", -3),
      ("", nil), ("s", nil), ("5x", nil), ("5 minutes", nil), ("1h30", nil), ("5s5s", nil),
      ("abc", nil), ("5..s", nil), ("--5s", nil), ("1e3", nil), ("inf", nil),
    ]
    for (text, expected) in cases {
      XCTAssertEqual(ConfigDuration.seconds(from: text), expected, "\"\(text)\"")
    }
  }

  func testDurationText() {
    XCTAssertEqual(ConfigDuration.text(seconds: 600), "10m")
    XCTAssertEqual(ConfigDuration.text(seconds: 5400), "1h30m")
    XCTAssertEqual(ConfigDuration.text(seconds: 0.5), "500ms")
    XCTAssertEqual(ConfigDuration.text(seconds: 0), "0s")
    for seconds in [1.0, 59, 61, 3601, 86_400, 90_061, 0.25] {
      XCTAssertEqual(ConfigDuration.seconds(from: ConfigDuration.text(seconds: seconds)), seconds)
    }
  }

  func testSizes() {
    let cases: [(String, Int64?)] = [
      ("0", 0), ("1000", 1000), ("500MB", 500_000_000), ("2GB", 2_000_000_000),
      ("1.5GB", 1_500_000_000),
      ("1KB", 1000), ("3TB", 3_000_000_000_000), ("1KiB", 1024), ("1MiB", 1_048_576),
      ("2GiB", 2_147_483_648), ("1TiB", 1_099_511_627_776), ("1.5KiB", 1536),
      ("2gb", 2_000_000_000),
      ("2 GB", 2_000_000_000), ("7B", 7), ("9223372036854775807", Int64.max),
      ("-1GB", -1_000_000_000),
      ("", nil), ("GB", nil), ("2XB", nil), ("1.5", nil), ("2 G B", nil), ("99999999TB", nil),
      ("9223372036854775808", nil), ("ten", nil),
    ]
    for (text, expected) in cases {
      XCTAssertEqual(ConfigSize.bytes(from: text), expected, "\"\(text)\"")
    }
  }

  func testDurationsAndSizesInTheFile() throws {
    let config = try parse(
      """
      storage: { max_bytes: 1_000_000, min_free_bytes: "750 MB" }
      cameras:
        c:
          record_url: rtsp://192.0.2.1/s
          recording: { pre_roll: 1500ms, post_roll: 90, max_duration: 1h }
      """)
    XCTAssertEqual(config.storage.maxBytes, 1_000_000)
    XCTAssertEqual(config.storage.minFreeBytes, 750_000_000)
    XCTAssertEqual(config.cameras[0].recording.preRollSeconds, 1.5)
    XCTAssertEqual(config.cameras[0].recording.postRollSeconds, 90)
    XCTAssertEqual(config.cameras[0].recording.maxDurationSeconds, 3600)
  }
}
