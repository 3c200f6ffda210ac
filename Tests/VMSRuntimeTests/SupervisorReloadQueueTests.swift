import Detectors
import Foundation
import Logging
import Storage
import XCTest

@testable import VMSRuntime

/// Reloads from every source (file watcher, SIGHUP, camera edits) may arrive at once: they must be
/// applied one at a time, so a camera never ends up with two readers. The cameras here read local
/// files that do not exist: each camera is one reader thread named "in-ID" that retries, which is
/// all this test needs to count them.
final class SupervisorReloadQueueTests: XCTestCase {
  private var folder = ""

  override func setUpWithError() throws {
    folder = NSTemporaryDirectory() + "vms-reload-queue-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(atPath: folder)
  }

  private static func config(variant: Int, folder: String) -> String {
    // Every variant changes both cameras' URL, so each apply restarts them (stop, then start). The
    // files exist (a file source must) but hold no video: the readers keep failing and retrying.
    for camera in ["a", "b"] {
      FileManager.default.createFile(
        atPath: "\(folder)/broken-\(camera)-\(variant).mp4", contents: Data("not a video".utf8))
    }
    return """
      server:
        data_dir: "\(folder)/data"
      cameras:
        qa:
          record_url: "\(folder)/broken-a-\(variant).mp4"
          detector: { type: none }
        qb:
          record_url: "\(folder)/broken-b-\(variant).mp4"
          detector: { type: none }

      """
  }

  func testConcurrentReloadsLeaveOneReaderPerCamera() async throws {
    let index = try ClipIndex.open(dataDirectory: folder + "/data")
    defer { try? index.close() }
    let supervisor = Supervisor(
      hub: StatusHub(), index: index, live: LiveFeeds(), registry: .builtIn,
      log: Logger(label: "test"))
    let path = folder + "/vms.yaml"
    let folder = folder
    await supervisor.reload(text: Self.config(variant: 0, folder: folder), path: path)

    // Thirty reloads asked at once, as a watcher, SIGHUP and the API could.
    await withTaskGroup(of: Void.self) { group in
      for variant in 1...30 {
        group.addTask {
          await supervisor.reload(text: Self.config(variant: variant, folder: folder), path: path)
        }
      }
    }
    let applied = await supervisor.configuration?.cameras.map(\.recordURL) ?? []
    XCTAssertEqual(applied.count, 2)

    // Stopped readers end their threads within moments; what is left must be one per camera.
    let deadline = Date().addingTimeInterval(5)
    var names = threadNames()
    while (names["in-qa", default: 0] != 1 || names["in-qb", default: 0] != 1) && Date() < deadline
    {
      try await Task.sleep(for: .milliseconds(100))
      names = threadNames()
    }
    XCTAssertEqual(names["in-qa", default: 0], 1, "reader threads of camera qa: \(names)")
    XCTAssertEqual(names["in-qb", default: 0], 1, "reader threads of camera qb: \(names)")

    // A reload asked after the shutdown starts nothing.
    await supervisor.shutdown()
    await supervisor.reload(text: Self.config(variant: 99, folder: folder), path: path)
    try await Task.sleep(for: .milliseconds(300))
    names = threadNames()
    XCTAssertEqual(
      names["in-qa", default: 0] + names["in-qb", default: 0], 0, "readers after shutdown: \(names)"
    )
  }
}
