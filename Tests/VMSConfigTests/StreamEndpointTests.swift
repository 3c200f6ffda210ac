import VMSConfig
import XCTest

final class StreamEndpointTests: XCTestCase {
  func testHostAndPortWithSchemeDefaults() {
    let cases: [(String, StreamEndpoint?)] = [
      (
        "rtsp://user:pa%40ss@192.0.2.10:8554/stream1",
        .init(scheme: "rtsp", host: "192.0.2.10", port: 8554)
      ),
      ("RTSP://cam.local/live", .init(scheme: "rtsp", host: "cam.local", port: 554)),
      ("rtsps://cam/live", .init(scheme: "rtsps", host: "cam", port: 322)),
      ("http://[2001:db8::1]/mjpeg", .init(scheme: "http", host: "2001:db8::1", port: 80)),
      ("https://a:b@[2001:db8::1]:8443/x", .init(scheme: "https", host: "2001:db8::1", port: 8443)),
      ("/srv/videos/demo.mp4", nil),
      ("file:///srv/videos/demo.mp4", nil),
      ("rtsp:///nohost", nil),
    ]
    for (url, expected) in cases {
      XCTAssertEqual(StreamEndpoint(url: url), expected, url)
    }
  }
}
