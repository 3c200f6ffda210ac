// What users see of the server's concurrency: a request waiting on the index or the disk never
// holds up another request, the SIGHUP service reloads the configuration at once and stops on
// graceful shutdown, and the live view's merged frame and keep-alive sequence behaves as before.
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOPosix
import ServiceLifecycle
import ServiceLifecycleTestKit
import Synchronization
import TestSupport
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

  /// The live view sends each new frame, and with no new frame re-sends the last one at the
  /// first keep-alive tick (every `keepAliveSeconds`, 5 s) that finds nothing sent for that long:
  /// the write is how a viewer that has gone is noticed. The first tick comes just under 5 s after
  /// the frame here, so the copy comes at the second, 10 s after subscribing.
  func testTheLiveViewSendsFramesAndRepeatsTheLastOneAsAKeepAlive() async throws {
    let feed = server.services.live.feed(for: TestServer.cameraId)
    let first: [UInt8] = [0xFF, 0xD8, 1, 2, 3, 0xFF, 0xD9]
    let second: [UInt8] = [0xFF, 0xD8, 4, 5, 6, 0xFF, 0xD9]
    try await server.test { client in
      let port = try XCTUnwrap(client.port)
      let publisher = Task {
        while !feed.isWatched { try await Task.sleep(for: .milliseconds(20)) }
        feed.publish(LiveFrame(jpeg: first, capturedAtMs: 1))
      }
      defer { publisher.cancel() }
      let start = ContinuousClock.now
      let parts = try await LiveViewer.read(
        port: port, path: "/api/v1/cameras/\(TestServer.cameraId)/live.mjpeg", parts: 2,
        onPart: { index in
          if index == 2 { feed.publish(LiveFrame(jpeg: second, capturedAtMs: 2)) }
        })
      let took = ContinuousClock.now - start
      XCTAssertEqual(parts.count, 3, "three parts: the frame, its keep-alive copy, the next frame")
      XCTAssertEqual(parts.first, first)
      XCTAssertEqual(parts.dropFirst().first, first, "the keep-alive repeats the last frame")
      XCTAssertEqual(parts.last, second)
      XCTAssertGreaterThan(took, .seconds(LiveRoutes.keepAliveSeconds))
      XCTAssertLessThan(took, .seconds(LiveRoutes.keepAliveSeconds * 2 + 2))
      // The viewer has gone: a write fails (not the first after the close, which the kernel
      // takes), the loop ends and the feed has no viewer left (the camera stops encoding).
      let deadline = ContinuousClock.now + .seconds(5)
      var frame: Int64 = 3
      while feed.isWatched, ContinuousClock.now < deadline {
        feed.publish(LiveFrame(jpeg: second, capturedAtMs: frame))
        frame += 1
        try await Task.sleep(for: .milliseconds(100))
      }
      XCTAssertFalse(feed.isWatched, "the gone viewer's subscription was dropped")
    }
  }
}

final class Counter: Sendable {
  private let count = Atomic<Int>(0)

  func add() { count.add(1, ordering: .relaxed) }
  var value: Int { count.load(ordering: .relaxed) }
}

/// Reads an MJPEG response on its own connection (NIO's event loop, not the cooperative pool).
enum LiveViewer {
  /// The JPEGs of the first `parts + 1` parts; `onPart(n)` runs when part n (1-based) arrives.
  static func read(
    port: Int, path: String, parts: Int, onPart: @escaping @Sendable (Int) -> Void
  ) async throws -> [[UInt8]] {
    let collected = Mutex<(buffer: [UInt8], parts: [[UInt8]])>(([], []))
    let (done, doneContinuation) = AsyncStream<Void>.makeStream()
    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .channelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.addHandler(
            Collector(
              wanted: parts + 1,
              onBytes: { bytes in
                let (count, complete) = collected.withLock { state -> (Int, Bool) in
                  state.buffer += bytes
                  let before = state.parts.count
                  state.parts = MJPEG.parts(in: state.buffer)
                  return (state.parts.count, state.parts.count > before)
                }
                if complete { onPart(count) }
                if count >= parts + 1 { doneContinuation.finish() }
              }))
        }
      }
      .connect(host: "127.0.0.1", port: port).get()
    let credentials = Data("\(TestServer.viewerName):\(TestServer.viewerPassword)".utf8)
      .base64EncodedString()
    let request =
      "GET \(path) HTTP/1.1\r\nHost: localhost\r\nAuthorization: Basic \(credentials)\r\n\r\n"
    try await channel.writeAndFlush(ByteBuffer(string: request)).get()
    let timeout = Task {
      try await Task.sleep(for: .seconds(15))
      doneContinuation.finish()
    }
    for await _ in done {}
    timeout.cancel()
    try? await channel.close().get()
    return Array(collected.withLock { $0.parts }.prefix(parts + 1))
  }

  private final class Collector: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let wanted: Int
    let onBytes: @Sendable ([UInt8]) -> Void

    init(wanted: Int, onBytes: @escaping @Sendable ([UInt8]) -> Void) {
      self.wanted = wanted
      self.onBytes = onBytes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
      let buffer = unwrapInboundIn(data)
      onBytes(Array(buffer.readableBytesView))
    }
  }
}

/// The JPEGs of the complete parts of a `multipart/x-mixed-replace` response read so far.
enum MJPEG {
  static func parts(in bytes: [UInt8]) -> [[UInt8]] {
    var parts: [[UInt8]] = []
    let marker = Array("Content-Length: ".utf8)
    var index = 0
    while let found = find(marker, in: bytes, from: index) {
      var cursor = found + marker.count
      var length = 0
      while cursor < bytes.count, (48...57).contains(bytes[cursor]) {
        length = length * 10 + Int(bytes[cursor] - 48)
        cursor += 1
      }
      // Past "\r\n\r\n" after the header line.
      guard let bodyStart = find(Array("\r\n\r\n".utf8), in: bytes, from: cursor) else { break }
      let start = bodyStart + 4
      guard start + length <= bytes.count else { break }
      parts.append(Array(bytes[start..<start + length]))
      index = start + length
    }
    return parts
  }

  private static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
    guard needle.count <= haystack.count else { return nil }
    var i = from
    while i + needle.count <= haystack.count {
      if haystack[i..<i + needle.count].elementsEqual(needle) { return i }
      i += 1
    }
    return nil
  }
}
