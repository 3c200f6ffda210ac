// The configuration of PRODUCT.md, defaults, and the shapes users write (flow style, relative paths).

import Detectors
import Foundation
import VMSConfig
import XCTest

final class ExampleConfigTests: XCTestCase {
  func testProductExampleParsesToItsValues() throws {
    let text = """
      server:
        listen: "127.0.0.1:8080"
        data_dir: "./data"            # vms.sqlite, recordings/, archives/ live here
      auth:
        users:
          - { name: admin, password_hash: "\(testHash)", role: admin }    # roles: admin, viewer
      storage:
        retention_days: 14            # default for cameras; 0 = forever
        max_bytes: 0                  # recordings quota (archives excluded); 0 = none
        min_free_bytes: 2GB           # keep at least this free on the data disk
      cameras:
        front-door:                   # camera id: [a-z0-9_-]+, stable, used in URLs and folder names
          name: "Entrée"
          enabled: true
          record_url: "rtsp://user:pass@192.0.2.10:554/stream1"   # main stream, recorded by stream copy
          detect_url: "rtsp://user:pass@192.0.2.10:554/stream2"   # optional substream
          detector:
            type: mog2                # mog2 | framediff | none
            fps: 5                    # analysis rate cap
            min_area_percent: 0.5     # share of the analysed frame that must move
            warmup: 3s                # ignored after each (re)connection
          recording:
            enabled: true
            pre_roll: 5s
            post_roll: 10s
            min_duration: 15s
            max_duration: 10m
          retention_days: 10
      """
    let config = try parse(text, path: "/srv/vms/config/vms.yaml")
    XCTAssertEqual(config.sourcePath, "/srv/vms/config/vms.yaml")
    XCTAssertEqual(
      config.server,
      ServerSettings(
        listenHost: "127.0.0.1", listenPort: 8080, dataDirectory: "/srv/vms/config/data"))
    XCTAssertEqual(
      config.auth.users, [UserSettings(name: "admin", passwordHash: testHash, role: .admin)])
    XCTAssertEqual(
      config.storage, StorageSettings(retentionDays: 14, maxBytes: 0, minFreeBytes: 2_000_000_000))
    XCTAssertEqual(config.updates.feedURL, nil)
    XCTAssertEqual(config.cameras.count, 1)
    let camera = try XCTUnwrap(config.cameras.first)
    XCTAssertEqual(camera.id, "front-door")
    XCTAssertEqual(camera.name, "Entrée")
    XCTAssertTrue(camera.enabled)
    XCTAssertEqual(camera.recordURL, "rtsp://user:pass@192.0.2.10:554/stream1")
    XCTAssertEqual(camera.detectURL, "rtsp://user:pass@192.0.2.10:554/stream2")
    XCTAssertEqual(camera.effectiveDetectURL, "rtsp://user:pass@192.0.2.10:554/stream2")
    XCTAssertEqual(camera.rtspTransport, .tcp)
    XCTAssertEqual(
      camera.detector, DetectorSettings(type: "mog2", fps: 5, minAreaPercent: 0.5, warmupSeconds: 3)
    )
    XCTAssertEqual(
      camera.recording,
      RecordingSettings(
        enabled: true, preRollSeconds: 5, postRollSeconds: 10, minDurationSeconds: 15,
        maxDurationSeconds: 600))
    XCTAssertEqual(camera.retentionDays, 10)
    XCTAssertEqual(camera.live, LiveSettings(fps: 10, width: 640, showDetection: false))
  }

  func testShippedConfigFileLoadsWhenPresent() throws {
    // config/vms.yaml is written by another part of the project; when it exists it must be valid.
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("config/vms.yaml").path
    guard FileManager.default.fileExists(atPath: path) else {
      throw XCTSkip("config/vms.yaml not written yet")
    }
    do {
      _ = try ConfigLoader.load(
        path: path, detectorOptionKeys: DetectorRegistry.builtIn.optionKeysByType)
    } catch {
      // The demo camera's video is made by `make run` (scripts/make-demo-video): until then, that
      // is the one problem check-config may find.
      let problems = error.problems.filter {
        !$0.description.contains("data/demo-camera.mp4\" names a file that does not exist")
      }
      XCTAssertEqual(problems, [], "config/vms.yaml:\n\(error)")
    }
  }

  func testFileWithNoCamerasGivesEveryDefault() throws {
    for text in ["cameras:\n", "cameras: {}\n", "---\ncameras: {}\n"] {
      let config = try parse(text, path: "/opt/vms/vms.yaml")
      XCTAssertEqual(config.server, ServerSettings(dataDirectory: "/opt/vms/data"), text)
      XCTAssertEqual(config.auth.users, [], text)
      XCTAssertEqual(
        config.storage, StorageSettings(retentionDays: 14, maxBytes: 0, minFreeBytes: 2_000_000_000)
      )
      XCTAssertEqual(config.updates, UpdateSettings(feedURL: nil))
      XCTAssertEqual(config.cameras, [], text)
    }
  }

  func testCameraDefaults() throws {
    let config = try parse(
      """
      storage:
        retention_days: 30
      cameras:
        garage:
          record_url: rtsp://192.0.2.20/main
      """)
    let camera = try XCTUnwrap(config.cameras.first)
    XCTAssertEqual(camera.name, "garage")
    XCTAssertTrue(camera.enabled)
    XCTAssertNil(camera.detectURL)
    XCTAssertEqual(camera.effectiveDetectURL, "rtsp://192.0.2.20/main")
    XCTAssertEqual(camera.rtspTransport, .tcp)
    XCTAssertEqual(
      camera.detector, DetectorSettings(type: "mog2", fps: 5, minAreaPercent: 0.5, warmupSeconds: 3)
    )
    XCTAssertEqual(camera.recording, RecordingSettings())
    XCTAssertEqual(camera.recording.preRollSeconds, 5)
    XCTAssertEqual(camera.recording.maxDurationSeconds, 600)
    XCTAssertEqual(
      camera.retentionDays, 30, "a camera without retention_days takes storage.retention_days")
    XCTAssertEqual(camera.live, LiveSettings(fps: 10, width: 640, showDetection: false))
  }

  func testCamerasKeepFileOrderAndEveryOptionalKey() throws {
    let config = try parse(
      """
      cameras:
        zz-last-alphabetically:
          record_url: rtsp://192.0.2.1/a
        aa_first:
          name: Back yard
          enabled: no
          record_url: rtsps://cam.local:322/main
          detect_url: http://cam.local/sub.mjpeg
          rtsp_transport: UDP
          detector: { type: framediff, fps: 2.5, min_area_percent: 1, warmup: 500ms, threshold: 30 }
          recording: { enabled: false, pre_roll: 0, post_roll: 1m, min_duration: 0s, max_duration: 1h30m }
          retention_days: 0
          live: { fps: 2, width: 320, show_detection: true }
        "007":
          record_url: https://192.0.2.7/stream
      """)
    XCTAssertEqual(config.cameras.map(\.id), ["zz-last-alphabetically", "aa_first", "007"])
    let camera = config.cameras[1]
    XCTAssertEqual(camera.name, "Back yard")
    XCTAssertFalse(camera.enabled)
    XCTAssertEqual(camera.detectURL, "http://cam.local/sub.mjpeg")
    XCTAssertEqual(camera.rtspTransport, .udp)
    XCTAssertEqual(
      camera.detector,
      DetectorSettings(
        type: "framediff", fps: 2.5, minAreaPercent: 1, warmupSeconds: 0.5,
        options: ["threshold": 30]))
    XCTAssertEqual(
      camera.recording,
      RecordingSettings(
        enabled: false, preRollSeconds: 0, postRollSeconds: 60, minDurationSeconds: 0,
        maxDurationSeconds: 5400))
    XCTAssertEqual(camera.retentionDays, 0)
    XCTAssertEqual(camera.live, LiveSettings(fps: 2, width: 320, showDetection: true))
  }

  func testFlowAndBlockUsers() throws {
    let config = try parse(
      """
      auth:
        users:
          - { name: admin, password_hash: "\(testHash)", role: admin }
          - {name: "guest", password_hash: '\(testHash)', role: viewer}
          - name: kiosk
            password_hash: "\(testHash)"
      """)
    XCTAssertEqual(
      config.auth.users,
      [
        UserSettings(name: "admin", passwordHash: testHash, role: .admin),
        UserSettings(name: "guest", passwordHash: testHash, role: .viewer),
        UserSettings(name: "kiosk", passwordHash: testHash, role: .viewer),
      ])
  }

  func testListenAddressForms() throws {
    let cases: [(String, String, Int)] = [
      ("127.0.0.1:8080", "127.0.0.1", 8080), ("0.0.0.0:80", "0.0.0.0", 80),
      ("[::1]:8080", "::1", 8080),
      ("[::]:65535", "::", 65535), ("nvr.local:1", "nvr.local", 1),
    ]
    for (text, host, port) in cases {
      let server = try parse("server:\n  listen: \"\(text)\"\n").server
      XCTAssertEqual(server.listenHost, host, text)
      XCTAssertEqual(server.listenPort, port, text)
    }
  }

  func testRelativePathsResolveAgainstTheConfigFolder() throws {
    let root = try temporaryFolder()
    for file in ["vms/conf/videos/demo.mp4", "clips/sub.mp4", "clips/other.mp4"] {
      let path = root + "/" + file
      try FileManager.default.createDirectory(
        atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      FileManager.default.createFile(atPath: path, contents: Data([0]))
    }
    let config = try parse(
      """
      server:
        data_dir: ../var/./recordings
      cameras:
        demo:
          record_url: videos/demo.mp4
          detect_url: \(root)/clips/sub.mp4
        other:
          record_url: file://\(root)/clips/other.mp4
      """, path: root + "/vms/conf/vms.yaml")
    XCTAssertEqual(config.server.dataDirectory, root + "/vms/var/recordings")
    XCTAssertEqual(config.cameras[0].recordURL, root + "/vms/conf/videos/demo.mp4")
    XCTAssertEqual(config.cameras[0].detectURL, root + "/clips/sub.mp4")
    XCTAssertEqual(config.cameras[1].recordURL, root + "/clips/other.mp4")
  }

  func testAFileSourceMustExistAndBeAFile() throws {
    let root = try temporaryFolder()
    for (value, message) in [
      ("videos/missing.mp4", "names a file that does not exist: \(root)/videos/missing.mp4"),
      ("file://\(root)/nope.mp4", "names a file that does not exist: \(root)/nope.mp4"),
      (root, "names a folder, not a video file"),
    ] {
      let found = problems(
        "cameras:\n  demo:\n    record_url: \"\(value)\"\n", path: root + "/vms.yaml")
      XCTAssertEqual(found.count, 1, "\(value): \(found)")
      XCTAssertEqual(found.first?.line, 3)
      XCTAssertTrue(found.first?.description.contains(message) ?? false, "\(value): \(found)")
    }
  }

  func testRelativeConfigPathIsMadeAbsolute() throws {
    let config = try parse("server:\n  data_dir: data\n", path: "conf/vms.yaml")
    let cwd = FileManager.default.currentDirectoryPath
    XCTAssertEqual(config.sourcePath, cwd + "/conf/vms.yaml")
    XCTAssertEqual(config.server.dataDirectory, cwd + "/conf/data")
  }

  func testAnchorsAliasesAndMergeKeys() throws {
    let config = try parse(
      """
      x-defaults: &defaults
        detector: { type: framediff, fps: 3 }
        retention_days: 7
      cameras:
        a:
          <<: *defaults
          record_url: rtsp://192.0.2.1/a
        b:
          <<: *defaults
          retention_days: 2
          record_url: rtsp://192.0.2.2/b
      """)
    XCTAssertEqual(config.cameras[0].detector.type, "framediff")
    XCTAssertEqual(config.cameras[0].detector.fps, 3)
    XCTAssertEqual(config.cameras[0].retentionDays, 7)
    XCTAssertEqual(config.cameras[1].retentionDays, 2, "an explicit key wins over a merged one")
    XCTAssertEqual(config.cameras[1].detector.type, "framediff")
  }

  func testUpdatesAndSizes() throws {
    let config = try parse(
      """
      storage: { max_bytes: 1.5TB, min_free_bytes: 512MiB }
      updates: { feed_url: "https://example.org/vms/version.json" }
      """)
    XCTAssertEqual(config.storage.maxBytes, 1_500_000_000_000)
    XCTAssertEqual(config.storage.minFreeBytes, 512 << 20)
    XCTAssertEqual(config.updates.feedURL, "https://example.org/vms/version.json")
  }

  func testLoadReadsAFileAndReportsAMissingOne() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "vmsconfig-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let file = folder.appendingPathComponent("vms.yaml")
    try Data("cameras:\n  cam1:\n    record_url: clip.mp4\n".utf8).write(to: file)
    try Data([0]).write(to: folder.appendingPathComponent("clip.mp4"))
    let config = try ConfigLoader.load(path: file.path, detectorOptionKeys: testDetectorOptions)
    XCTAssertEqual(config.cameras.first?.recordURL, folder.path + "/clip.mp4")
    XCTAssertEqual(config.server.dataDirectory, folder.path + "/data")

    let missing = folder.appendingPathComponent("nope.yaml").path
    do {
      _ = try ConfigLoader.load(path: missing, detectorOptionKeys: testDetectorOptions)
      XCTFail("a missing file must be reported")
    } catch {
      XCTAssertEqual(error.problems.count, 1)
      XCTAssertEqual(error.problems[0].file, missing)
      XCTAssertTrue(error.problems[0].message.contains("No such file"), error.problems[0].message)
      XCTAssertNotNil(error.problems[0].hint)
      XCTAssertEqual(
        error.problems[0].description.hasPrefix("\(missing): cannot read the file"), true)
    }
    do {
      _ = try ConfigLoader.load(path: folder.path, detectorOptionKeys: testDetectorOptions)
      XCTFail("a folder must be reported")
    } catch {
      XCTAssertEqual(error.problems.count, 1)
    }
  }

  private func temporaryFolder() throws -> String {
    let path = NSTemporaryDirectory() + "vms-config-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    return path
  }
}
