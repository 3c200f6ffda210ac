// Every kind of problem is reported once, at the right line and column, with a hint; and a file
// with several problems reports them all together.

import VMSConfig
import XCTest

final class ProblemReportingTests: XCTestCase {
  private func assertProblem(
    _ text: String, line: Int, column: Int, messageContains needle: String,
    hintContains hintNeedle: String? = nil,
    file: StaticString = #filePath, testLine: UInt = #line
  ) {
    guard let found = problem(text, file: file, line: testLine) else { return }
    XCTAssertEqual(found.file, testPath, file: file, line: testLine)
    XCTAssertEqual(found.line, line, "line of: \(found)", file: file, line: testLine)
    XCTAssertEqual(found.column, column, "column of: \(found)", file: file, line: testLine)
    XCTAssertTrue(
      found.message.contains(needle), "message: \(found.message)", file: file, line: testLine)
    XCTAssertNotNil(
      found.hint, "every problem says what to do: \(found)", file: file, line: testLine)
    if let hintNeedle {
      XCTAssertTrue(
        found.hint?.contains(hintNeedle) == true, "hint: \(found.hint ?? "-")", file: file,
        line: testLine)
    }
  }

  /// A truncated file must never be read as "no cameras, no users".
  func testEmptyFileIsRefused() {
    for text in ["", "\n\n", "# only a comment\n# and another\n", "---\n", "---\n...\n"] {
      assertProblem(
        text, line: 1, column: 1, messageContains: "the file is empty", hintContains: "cameras: {}")
      XCTAssertEqual(problems(text).count, 1, "one problem for \(text.debugDescription)")
      XCTAssertTrue(
        ConfigLoader.isEmpty(text: text), "the same rule for other tools: \(text.debugDescription)")
    }
    XCTAssertFalse(ConfigLoader.isEmpty(text: "cameras: {}\n"))
    XCTAssertFalse(
      ConfigLoader.isEmpty(text: "a: b\n c: d: e\n"), "a syntax error is not an empty file")
  }

  func testSyntaxErrorCarriesLibyamlPosition() {
    assertProblem(
      """
      server:
        listen: "127.0.0.1:8080"
       data_dir: x
      """, line: 3, column: 2, messageContains: "YAML syntax error")
    assertProblem(
      "cameras:\n  a: { record_url: x\n", line: 3, column: 1, messageContains: "flow mapping")
    assertProblem(
      "cameras:\n\ta:\n", line: 2, column: 1, messageContains: "YAML syntax error",
      hintContains: "tabs")
    assertProblem(
      "server:\n  listen: \"127.0.0.1:8080\n", line: 3, column: 1, messageContains: "quoted scalar")
  }

  func testUnknownAliasAndSecondDocument() {
    assertProblem(
      "cameras: *nothing\n", line: 1, column: 10, messageContains: "unknown alias *nothing")
    assertProblem(
      "cameras:\n---\ncameras:\n", line: 2, column: 1, messageContains: "second document")
  }

  func testUnknownKeysSuggestTheClosestOne() {
    assertProblem(
      """
      cameras:
        c:
          record_url: rtsp://192.0.2.1/s
          recording:
            pre_rol: 3s
      """, line: 5, column: 7, messageContains: "unknown key \"pre_rol\"",
      hintContains: "\"pre_roll\"")
    assertProblem(
      "servre:\n  listen: \"127.0.0.1:1\"\n", line: 1, column: 1,
      messageContains: "unknown key \"servre\"",
      hintContains: "\"server\"")
    assertProblem(
      "storage:\n  retention: 3\n", line: 2, column: 14,
      messageContains: "storage.retention: expected a block of days per kind",
      hintContains: "retention_days: N")
    assertProblem(
      "storage:\n  retention_day: 3\n", line: 2, column: 3, messageContains: "unknown key",
      hintContains: "retention_days")
    assertProblem(
      "server:\n  colour: blue\n", line: 2, column: 3, messageContains: "unknown key \"colour\"",
      hintContains: "listen, data_dir")
    // A key written one level too high names the block it belongs to.
    assertProblem(
      """
      cameras:
        c:
          record_url: rtsp://192.0.2.1/s
          pre_roll: 3s
      """, line: 4, column: 5, messageContains: "unknown key \"pre_roll\"",
      hintContains: "recording:")
    assertProblem(
      "listen: \"0.0.0.0:80\"\n", line: 1, column: 1, messageContains: "unknown key",
      hintContains: "server:")
  }

  func testDuplicateKeys() {
    assertProblem(
      """
      server:
        listen: "127.0.0.1:1"
        listen: "127.0.0.1:2"
      """, line: 3, column: 3, messageContains: "duplicate key \"listen\" (first written at line 2)"
    )
  }

  func testWrongTypes() {
    assertProblem(
      "storage:\n  retention_days: [1, 2]\n", line: 2, column: 19,
      messageContains: "expected a whole number, found a list")
    assertProblem("server: 8080\n", line: 1, column: 9, messageContains: "expected a mapping")
    assertProblem(
      "cameras:\n  c:\n    record_url: { a: b }\n", line: 3, column: 17,
      messageContains: "expected text, found a mapping")
    assertProblem(
      "cameras:\n  - record_url: x\n", line: 2, column: 3,
      messageContains: "expected a mapping of camera ids")
    assertProblem(
      "auth:\n  users: admin\n", line: 2, column: 10, messageContains: "expected a list of users")
    assertProblem("- a\n- b\n", line: 1, column: 1, messageContains: "expected a mapping")
  }

  func testBadScalars() {
    let camera = "cameras:\n  c:\n    record_url: rtsp://192.0.2.1/s\n"
    assertProblem(
      camera + "    recording: { pre_roll: 5x }\n", line: 4, column: 28,
      messageContains: "bad duration \"5x\"")
    assertProblem(
      camera + "    recording: { post_roll: -2s }\n", line: 4, column: 29,
      messageContains: "negative")
    assertProblem(
      camera + "    detector: { warmup: -1 }\n", line: 4, column: 25, messageContains: "negative")
    assertProblem(
      "storage:\n  max_bytes: 2XB\n", line: 2, column: 14, messageContains: "bad size \"2XB\"",
      hintContains: "GB")
    assertProblem(
      "storage:\n  min_free_bytes: -1GB\n", line: 2, column: 19, messageContains: "negative")
    assertProblem(
      "storage:\n  retention_days: two\n", line: 2, column: 19,
      messageContains: "bad number \"two\"")
    assertProblem(
      "storage:\n  retention_days: -1\n", line: 2, column: 19, messageContains: "too small")
    assertProblem(
      camera + "    enabled: maybe\n", line: 4, column: 14, messageContains: "bad boolean \"maybe\""
    )
    assertProblem(
      camera + "    rtsp_transport: http\n", line: 4, column: 21, messageContains: "bad transport",
      hintContains: "tcp, udp")
  }

  func testFpsMustBePositive() {
    let camera = "cameras:\n  c:\n    record_url: rtsp://192.0.2.1/s\n"
    assertProblem(
      camera + "    detector:\n      fps: 0\n", line: 5, column: 12, messageContains: "out of range"
    )
    assertProblem(
      camera + "    live: { fps: -1 }\n", line: 4, column: 18, messageContains: "out of range")
    assertProblem(
      camera + "    detector: { min_area_percent: 150 }\n", line: 4, column: 35,
      messageContains: "out of range")
    assertProblem(
      camera + "    live: { width: 0 }\n", line: 4, column: 20, messageContains: "too small")
  }

  func testRecordingModeAndSegment() throws {
    let config = try parse(
      """
      cameras:
        a:
          record_url: rtsp://192.0.2.1/s
          recording: { mode: continuous, segment: 10s }
        b:
          record_url: rtsp://192.0.2.2/s
      """)
    XCTAssertEqual(config.cameras[0].recording.mode, .continuous)
    XCTAssertEqual(config.cameras[0].recording.segmentSeconds, 10)
    XCTAssertEqual(config.cameras[1].recording.mode, .events, "events by default")
    XCTAssertEqual(config.cameras[1].recording.segmentSeconds, 60, "1m by default")
    let camera = "cameras:\n  c:\n    record_url: rtsp://192.0.2.1/s\n"
    assertProblem(
      camera + "    recording: { mode: always }\n", line: 4, column: 24,
      messageContains: "bad mode \"always\"")
    assertProblem(
      camera + "    recording: { mode: continuous, segment: 1s }\n", line: 4, column: 45,
      messageContains: "out of range (2s to 1h)")
  }

  func testMinDurationLongerThanMaxDuration() {
    assertProblem(
      """
      cameras:
        c:
          record_url: rtsp://192.0.2.1/s
          recording:
            min_duration: 20m
            max_duration: 10m
      """, line: 5, column: 21,
      messageContains: "min_duration (20m) is longer than max_duration (10m)")
    // Only max written: the default min (15s) is longer, and the written value is the one to point at.
    assertProblem(
      "cameras:\n  c:\n    record_url: rtsp://192.0.2.1/s\n    recording: { max_duration: 10s }\n",
      line: 4, column: 32, messageContains: "min_duration (15s) is longer")
    assertProblem(
      "cameras:\n  c:\n    record_url: rtsp://192.0.2.1/s\n    recording: { max_duration: 0 }\n",
      line: 4, column: 32, messageContains: "more than 0")
  }

  func testCameraIDs() {
    assertProblem(
      "cameras:\n  Front Door:\n    record_url: rtsp://192.0.2.1/s\n", line: 2, column: 3,
      messageContains: "camera id \"Front Door\" is not valid", hintContains: "\"front-door\"")
    assertProblem(
      "cameras:\n  \(String(repeating: "a", count: 65)):\n    record_url: rtsp://192.0.2.1/s\n",
      line: 2, column: 3,
      messageContains: "is not valid")
    assertProblem(
      "cameras:\n  \"\":\n    record_url: rtsp://192.0.2.1/s\n", line: 2, column: 3,
      messageContains: "is not valid")
    assertProblem(
      """
      cameras:
        gate:
          record_url: rtsp://192.0.2.1/s
        gate:
          record_url: rtsp://192.0.2.2/s
      """, line: 4, column: 3,
      messageContains: "duplicate camera id \"gate\" (first written at line 2)")
  }

  func testDetectorTypesAndOptions() {
    let camera = "cameras:\n  c:\n    record_url: rtsp://192.0.2.1/s\n"
    assertProblem(
      camera + "    detector: { type: mgo2 }\n", line: 4, column: 23,
      messageContains: "unknown detector type \"mgo2\"",
      hintContains: "framediff, mog2, none")
    assertProblem(
      camera + "    detector: { type: mog2, var_treshold: 16 }\n", line: 4, column: 29,
      messageContains: "unknown key \"var_treshold\" for detector type mog2",
      hintContains: "\"var_threshold\"")
    assertProblem(
      camera + "    detector: { type: framediff, var_threshold: 16 }\n", line: 4, column: 34,
      messageContains: "for detector type framediff", hintContains: "threshold")
    assertProblem(
      camera + "    detector: { type: none, threshold: 3 }\n", line: 4, column: 29,
      messageContains: "for detector type none", hintContains: "no options")
    assertProblem(
      camera + "    detector: { var_threshold: lots }\n", line: 4, column: 32,
      messageContains: "bad number \"lots\"")
    // The default type is mog2, so its options are accepted without a type.
    XCTAssertEqual(
      try parse(camera + "    detector: { var_threshold: 16, history: 500 }\n").cameras[0].detector
        .options,
      ["var_threshold": 16, "history": 500])
    XCTAssertEqual(
      try parse(camera + "    detector: { type: none }\n").cameras[0].detector.type, "none")
  }

  func testStreamSources() {
    let head = "cameras:\n  c:\n"
    assertProblem(
      head + "    name: x\n", line: 2, column: 3, messageContains: "record_url is missing",
      hintContains: "rtsp://")
    assertProblem(head, line: 2, column: 3, messageContains: "record_url is missing")
    assertProblem(head + "    record_url: \"\"\n", line: 3, column: 17, messageContains: "is empty")
    // A mistyped scheme is not taken for a file path.
    assertProblem(
      head + "    record_url: \"htp:/bad url\"\n", line: 3, column: 17,
      messageContains: "scheme \"htp\"",
      hintContains: "http://host/path, https://host/path, rtsp://host/path, rtsps://host/path")
    assertProblem(
      head + "    record_url: rtps:/192.0.2.1/live\n", line: 3, column: 17,
      messageContains: "nor a file path",
      hintContains: "file:///absolute/path")
    assertProblem(
      head + "    record_url: \"htp://bad url\"\n", line: 3, column: 17,
      messageContains: "unsupported scheme \"htp\"",
      hintContains: "rtsp://")
    assertProblem(
      head + "    record_url: rtmp://192.0.2.1/live\n", line: 3, column: 17,
      messageContains: "unsupported scheme \"rtmp\"",
      hintContains: "rtsp://")
    assertProblem(
      head + "    record_url: rtsp:///stream\n", line: 3, column: 17, messageContains: "has no host"
    )
    assertProblem(
      head + "    record_url: \"rtsp://cam/my stream\"\n", line: 3, column: 17,
      messageContains: "contains a space")
    assertProblem(
      head + "    record_url: rtsp://cam:99999/s\n", line: 3, column: 17,
      messageContains: "bad port")
    assertProblem(
      head + "    record_url: rtsp:/cam/s\n", line: 3, column: 17,
      messageContains: "not a valid URL")
    assertProblem(
      head + "    record_url: rtsp://a:b/c@cam/s\n", line: 3, column: 17,
      messageContains: "an '@' after",
      hintContains: "%2F")
    assertProblem(
      head + "    record_url: rtsp://192.0.2.1/s\n    detect_url: ftp://x/y\n", line: 4, column: 17,
      messageContains: "detect_url")
    assertProblem(
      "updates:\n  feed_url: rtsp://x/v.json\n", line: 2, column: 13,
      messageContains: "unsupported scheme")
    assertProblem(
      "updates:\n  feed_url: version.json\n", line: 2, column: 13, messageContains: "not a URL")
  }

  func testListenAddresses() {
    for bad in [
      "8080", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536", "::1:8080", ":8080", "[::1]",
      "[::1]8080", "host:http", "my host:80",
    ] {
      let found = problems("server:\n  listen: \"\(bad)\"\n")
      XCTAssertEqual(found.count, 1, bad)
      XCTAssertEqual(found.first?.line, 2, bad)
      XCTAssertEqual(found.first?.column, 11, bad)
      XCTAssertTrue(found.first?.message.hasPrefix("server.listen:") == true, "\(bad): \(found)")
      XCTAssertTrue(found.first?.hint?.contains("[::1]:8080") == true, bad)
    }
  }

  func testUsers() {
    assertProblem(
      "auth:\n  users:\n    - { name: a, password_hash: \"\(testHash)\", role: root }\n", line: 3,
      column: 103,
      messageContains: "bad role \"root\"", hintContains: "admin, viewer")
    assertProblem(
      "auth:\n  users:\n    - { name: a, password_hash: hunter2 }\n", line: 3, column: 33,
      messageContains: "not a bcrypt hash", hintContains: "vms hash-password")
    assertProblem(
      "auth:\n  users:\n    - { password_hash: \"\(testHash)\" }\n", line: 3, column: 7,
      messageContains: "name is missing")
    assertProblem(
      "auth:\n  users:\n    - { name: a }\n", line: 3, column: 7,
      messageContains: "password_hash is missing")
    assertProblem(
      "auth:\n  users:\n    - { name: \"a:b\", password_hash: \"\(testHash)\" }\n", line: 3,
      column: 15,
      messageContains: "cannot be a user name")
    assertProblem(
      """
      auth:
        users:
          - { name: ann, password_hash: "\(testHash)", role: admin }
          - { name: bob, password_hash: "\(testHash)" }
          - { name: ann, password_hash: "\(testHash)" }
      """, line: 5, column: 7,
      messageContains: "duplicate user name \"ann\" (first written at line 3)")
  }

  func testEveryProblemOfAFileIsReportedAtOnce() {
    let text = """
      server:
        listen: "localhost"
        data_dir: ""
      storage:
        retention_days: -3
      cameras:
        Bad Id:
          record_url: rtsp://192.0.2.1/s
        porch:
          detect_url: "http://"
          recording:
            pre_rol: 2s
            min_duration: 1h
          detector:
            type: mog3
        porch:
          record_url: rtsp://192.0.2.3/s
      """
    let found = problems(text)
    let expected: [(Int, Int, String)] = [
      (2, 11, "server.listen"),
      (3, 13, "server.data_dir"),
      (5, 19, "storage.retention_days"),
      (7, 3, "camera id \"Bad Id\""),
      (9, 3, "record_url is missing"),
      (10, 17, "detect_url"),
      (12, 7, "pre_rol"),
      (13, 21, "min_duration (1h) is longer"),
      (15, 13, "unknown detector type"),
      (16, 3, "duplicate camera id"),
    ]
    XCTAssertEqual(found.count, expected.count, found.map(\.description).joined(separator: "\n"))
    for (problem, (line, column, needle)) in zip(found, expected) {
      XCTAssertEqual(problem.line, line, problem.description)
      XCTAssertEqual(problem.column, column, problem.description)
      XCTAssertTrue(problem.message.contains(needle), "\(problem) should mention \(needle)")
      XCTAssertNotNil(problem.hint, problem.description)
    }
    // The error prints one problem per line, compiler style.
    let error = ConfigError(problems: found)
    XCTAssertEqual(error.description.split(separator: "\n").count, expected.count)
    XCTAssertTrue(
      error.description.hasPrefix("\(testPath):2:11: server.listen:"), error.description)
  }

  /// A form shows each problem next to its field: every problem of a camera names its key, and its
  /// detail is the message without that key path.
  func testEachCameraProblemNamesItsKey() {
    let found = problems(
      """
      cameras:
        Front Door:
          name: " "
          detector: { fps: 5000, threshold: 3 }
          recording: { min_duration: 20s, max_duration: 10s }
          live: { width: 3 }
      """)
    let byKey = Dictionary(
      found.map { ($0.key ?? "-", $0.detail) }, uniquingKeysWith: { a, _ in a })
    XCTAssertEqual(byKey["cameras.Front Door"], "camera id \"Front Door\" is not valid", "\(found)")
    XCTAssertEqual(byKey["cameras.Front Door.record_url"], "record_url is missing")
    XCTAssertEqual(byKey["cameras.Front Door.name"], "is empty")
    XCTAssertEqual(byKey["cameras.Front Door.detector.fps"], "5000 is out of range")
    XCTAssertEqual(
      byKey["cameras.Front Door.detector.threshold"],
      "unknown key \"threshold\" for detector type mog2")
    XCTAssertEqual(
      byKey["cameras.Front Door.recording.min_duration"],
      "min_duration (20s) is longer than max_duration (10s)")
    XCTAssertEqual(byKey["cameras.Front Door.live.width"], "3 is too small")
    XCTAssertEqual(found.count, 7, "\(found)")
  }

  func testProblemDescription() {
    XCTAssertEqual(
      ConfigProblem(file: "/a/vms.yaml", line: 3, column: 5, message: "bad", hint: "fix it")
        .description,
      "/a/vms.yaml:3:5: bad (hint: fix it)")
    XCTAssertEqual(
      ConfigProblem(file: "/a/vms.yaml", line: 3, column: 5, message: "bad").description,
      "/a/vms.yaml:3:5: bad")
  }
}
