// redactingPassword: no password survives, everything else does.

import VMSConfig
import XCTest

final class PasswordRedactionTests: XCTestCase {
  func testRedaction() {
    let cases: [(String, String)] = [
      ("rtsp://user:pass@192.0.2.10:554/stream1", "rtsp://user:***@192.0.2.10:554/stream1"),
      ("rtsp://admin:s3cr%40t@cam.local/live", "rtsp://admin:***@cam.local/live"),
      ("rtsp://user@192.0.2.10/stream", "rtsp://user@192.0.2.10/stream"),
      ("rtsp://user:@192.0.2.10/stream", "rtsp://user:@192.0.2.10/stream"),
      ("rtsp://192.0.2.10:554/stream", "rtsp://192.0.2.10:554/stream"),
      ("http://a:b@[2001:db8::1]:8080/x", "http://a:***@[2001:db8::1]:8080/x"),
      ("rtsp://admin:p@ss@cam/s", "rtsp://admin:***@cam/s"),
      ("rtsp://admin:pa/ss?x@cam/s", "rtsp://admin:***@cam/s"),
      (
        "http://cam/snap.jpg?user=admin&password=hunter2&size=2",
        "http://cam/snap.jpg?user=admin&password=***&size=2"
      ),
      ("http://cam/cgi?PWD=x#frag", "http://cam/cgi?PWD=***#frag"),
      ("/srv/videos/demo.mp4", "/srv/videos/demo.mp4"),
      ("videos/a:b@c.mp4", "videos/a:b@c.mp4"),
      ("", ""),
    ]
    for (url, expected) in cases {
      XCTAssertEqual(redactingPassword(url), expected, url)
    }
  }

  func testProblemsNeverEchoAPassword() {
    let found = problems(
      """
      cameras:
        c:
          record_url: "rtmp://admin:hunter2@192.0.2.1/s"
      """)
    XCTAssertEqual(found.count, 1)
    XCTAssertFalse(found.description.contains("hunter2"), found.description)
  }

  /// A URL edited in the camera form gets back every secret shown as `***`, and keeps every change.
  func testRestoringPutsBackEverySecretTheFormShowedAsStars() {
    let stored = "rtsp://admin:s3cret@192.0.2.1:554/Streaming/101?channel=1&password=q%26r&user=x"
    // Unchanged form: the stored URL itself.
    XCTAssertEqual(restoringPassword(redactingPassword(stored), from: stored), stored)
    // Host changed: both secrets come back, the new host stays.
    XCTAssertEqual(
      restoringPassword(
        "rtsp://admin:***@192.0.2.9:554/Streaming/101?channel=1&password=***&user=x", from: stored),
      "rtsp://admin:s3cret@192.0.2.9:554/Streaming/101?channel=1&password=q%26r&user=x")
    // New secrets typed in: kept as typed.
    XCTAssertEqual(
      restoringPassword("rtsp://admin:new@192.0.2.1:554/s?password=other", from: stored),
      "rtsp://admin:new@192.0.2.1:554/s?password=other")
    // A query secret whose key the stored URL lacks stays as typed; a URL without secrets is untouched.
    XCTAssertEqual(
      restoringPassword("http://192.0.2.1/snap?pwd=***", from: stored),
      "http://192.0.2.1/snap?pwd=***")
    XCTAssertEqual(restoringPassword("rtsp://192.0.2.1/s#x", from: stored), "rtsp://192.0.2.1/s#x")
    XCTAssertEqual(restoringPassword("/media/demo.mp4", from: stored), "/media/demo.mp4")
  }
}
