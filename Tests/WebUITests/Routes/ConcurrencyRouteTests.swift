// What users see of the server's concurrency: a request waiting on the index or the disk never
// holds up another request.
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import XCTest

@testable import WebUI

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
}

final class Counter: Sendable {
  private let count = Atomic<Int>(0)

  func add() { count.add(1, ordering: .relaxed) }
  var value: Int { count.load(ordering: .relaxed) }
}
