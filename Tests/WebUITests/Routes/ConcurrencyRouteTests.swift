// What users see of the server's concurrency: a request waiting on the index or the disk never
// holds up another request, and the SIGHUP service reloads the configuration at once and stops on
// graceful shutdown.
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ServiceLifecycle
import ServiceLifecycleTestKit
import Synchronization
import VMSRuntime
import XCTest

@testable import WebUI

#if canImport(Glibc)
  import Glibc
#endif

final class ConcurrencyRouteTests: RouteTestCase {
  /// More requests than the cooperative pool has threads, each waiting on SQLite's write lock
  /// (held by another connection, as a backup tool would): they wait suspended, so reads and
  /// health checks still answer at once, and the writes complete once the lock is free.
  func testRequestsWaitingOnTheIndexDoNotHoldUpOtherRequests() async throws {
    let clip = try server.addClip(bytes: [1, 2, 3])
    var holder = Configuration()
    holder.allowsUnsafeTransactions = true  // the transaction stays open across accesses
    let other = try DatabaseQueue(path: server.services.index.databasePath, configuration: holder)
    try await other.writeWithoutTransaction { try $0.execute(sql: "BEGIN IMMEDIATE") }
    let locked = Atomic<Bool>(true)
    defer {
      if locked.load(ordering: .relaxed) {
        try? other.writeWithoutTransaction { try $0.execute(sql: "ROLLBACK") }
      }
    }
    let waiting = 2 * ProcessInfo.processInfo.activeProcessorCount + 2
    let finished = Counter()
    try await server.test { client in
      let port = try XCTUnwrap(client.port)
      let writes = (0..<waiting).map { n in
        Task {
          try await TestClient.withClient(host: "localhost", port: port) { writer in
            let response = try await writer.execute(
              .init(
                "/api/v1/clips/\(clip.id)/comment", method: .put, authority: "localhost",
                headers: Client.admin + Client.jsonContent,
                body: Client.json(["comment": "note \(n)"])))
            finished.add()
            return response.status
          }
        }
      }
      try await Task.sleep(for: .milliseconds(500))  // every write is now waiting on the lock
      let start = ContinuousClock.now
      let read = try await client.execute(
        uri: "/api/v1/clips/\(clip.id)", method: .get, headers: Client.viewer)
      let health = try await client.execute(uri: "/api/v1/health", method: .get)
      let took = ContinuousClock.now - start
      XCTAssertEqual(read.status, .ok, read.text)
      XCTAssertEqual(health.status, .ok, health.text)
      XCTAssertLessThan(took, .seconds(2), "a read and a health check waited behind the writes")
      XCTAssertEqual(finished.value, 0, "the lock held every write meanwhile")
      try await other.writeWithoutTransaction { try $0.execute(sql: "COMMIT") }
      locked.store(false, ordering: .relaxed)
      for write in writes {
        let status = try await write.value
        XCTAssertEqual(status, .ok)
      }
    }
    let stored = try XCTUnwrap(try server.services.index.clip(id: clip.id))
    XCTAssertTrue(stored.comment.hasPrefix("note "), stored.comment)
  }

  /// `kill -HUP` reaches the configuration watcher's service and applies the edited file at once
  /// (its polls are an hour apart here), without the two-poll stability wait; graceful shutdown
  /// then ends the service.
  func testSIGHUPThroughTheWatcherServiceReloadsAndShutdownStopsIt() async throws {
    // Until the watcher's handler is in place, a SIGHUP would end the test process.
    signal(SIGHUP, SIG_IGN)
    let path = server.configPath
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let supervisor = server.services.supervisor
    @Sendable func name() async -> String? {
      await supervisor.configuration?.camera(id: TestServer.cameraId)?.name
    }
    @Sendable func rename(_ name: String) throws {
      try text.replacingOccurrences(of: "name: \(TestServer.cameraName)", with: "name: \(name)")
        .write(toFile: path, atomically: true, encoding: .utf8)
    }
    let watcher = ConfigWatcher(
      path: path, supervisor: supervisor, initialText: text, log: server.log,
      interval: .seconds(3_600))
    try await testGracefulShutdown { shutdown in
      let running = Task { await watcher.run() }
      try rename("Porch")
      // Sent until applied: the first may come before the handler is in place (ignored then).
      let deadline = ContinuousClock.now + .seconds(5)
      while await name() != "Porch", ContinuousClock.now < deadline {
        kill(getpid(), SIGHUP)
        try await Task.sleep(for: .milliseconds(100))
      }
      let first = await name()
      XCTAssertEqual(first, "Porch", "SIGHUP did not reload the file")
      // The handler is in place: one signal applies the next edit at once.
      try rename("Gate")
      kill(getpid(), SIGHUP)
      let once = ContinuousClock.now + .seconds(2)
      while await name() != "Gate", ContinuousClock.now < once {
        try await Task.sleep(for: .milliseconds(20))
      }
      let second = await name()
      XCTAssertEqual(second, "Gate", "one SIGHUP did not reload the file at once")
      shutdown.triggerGracefulShutdown()
      let stopped = await ends(running, within: .seconds(5))
      XCTAssertTrue(stopped, "the watcher's service did not end on graceful shutdown")
    }
  }
}

final class Counter: Sendable {
  private let count = Atomic<Int>(0)

  func add() { count.add(1, ordering: .relaxed) }
  var value: Int { count.load(ordering: .relaxed) }
}

/// Waits for `task` to end; true when it ended by itself within `limit` (else it is cancelled, so
/// the test goes on and fails rather than hanging).
func ends(_ task: Task<Void, Never>, within limit: Duration) async -> Bool {
  let start = ContinuousClock.now
  let watchdog = Task {
    try await Task.sleep(for: limit)
    task.cancel()
  }
  await task.value
  watchdog.cancel()
  return ContinuousClock.now - start < limit
}
