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
}
