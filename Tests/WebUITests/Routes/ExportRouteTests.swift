// Exports through the HTTP API, on real footage files (H.264 written by ClipWriter) in the real
// index, with the real export runner: the answers to bad input, the job's life as a client sees
// it (the events hub's `export` messages, GET), the download, the deletion.
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Storage
import TestSupport
import VMSMedia
import VMSRuntime
import XCTest

@testable import WebUI

final class ExportRouteTests: RouteTestCase {
  /// 2026-12-07 14:02:00 UTC.
  static let t0: Int64 = 1_796_652_120_000

  /// Three 10 s segments of the test camera from `t0`, indexed as complete clips.
  @discardableResult
  func addFootage(seconds: [Double] = [10, 10, 10], holesMs: [Int64] = []) throws
    -> [ClipRecord]
  {
    let files = try SyntheticFootage.write(
      directory: server.directory + "/footage", startMs: Self.t0, seconds: seconds,
      holesMs: holesMs)
    let index = server.services.index
    return try files.map { file in
      let clip = try index.beginClip(cameraId: TestServer.cameraId, startMs: file.startMs)
      let target = try index.absolutePath(of: clip.file)
      try? FileManager.default.removeItem(atPath: target)
      try FileManager.default.copyItem(atPath: file.path, toPath: target)
      let size = try FileManager.default.attributesOfItem(atPath: target)[.size] as! NSNumber
      try index.finishClip(
        id: clip.id, endMs: file.startMs + file.durationMs, durationMs: file.durationMs,
        sizeBytes: size.int64Value, hasThumbnail: false)
      return try XCTUnwrap(try index.clip(id: clip.id))
    }
  }

  static func iso(_ ms: Int64) -> String { ExportTime.text(ms: ms) }

  static func post(
    _ client: any TestClientProtocol, _ body: [String: Any], headers: HTTPFields = Client.admin
  )
    async throws -> TestResponse
  {
    try await client.execute(
      uri: "/api/v1/exports", method: .post,
      headers: headers + Client.jsonContent + [.origin: Client.ownOrigin], body: Client.json(body))
  }

  /// The hub's messages about export `id` until it is no longer running (the WebSocket's source);
  /// empty (and the test fails) when it does not end within a minute.
  static func waitForEnd(
    of id: Int64, events: AsyncStream<StatusEvent>, file: StaticString = #filePath,
    line: UInt = #line
  ) async -> [ExportRecord] {
    let seen = await elements(of: events) {
      if case .export(let record) = $0 { return record.id == id && record.state != .running }
      return false
    }
    guard let seen else {
      XCTFail("export \(id) did not end within a minute", file: file, line: line)
      return []
    }
    return seen.compactMap {
      if case .export(let record) = $0, record.id == id { return record }
      return nil
    }
  }

  // MARK: Bad input

  func testMalformedBodiesAndTimesAre400SayingTheFormat() async throws {
    try addFootage(seconds: [4])
    try await server.test { client in
      let notJSON = try await client.execute(
        uri: "/api/v1/exports", method: .post,
        headers: Client.admin + Client.jsonContent + [.origin: Client.ownOrigin],
        body: ByteBuffer(string: "camera=front"))
      assertAPIError(notJSON, .badRequest)
      XCTAssertTrue(notJSON.errorMessage?.contains("ISO 8601") ?? false, notJSON.text)

      for bad in ["2026-12-07 14:02", "2026-12-07T14:02:00", "yesterday", "2026-13-07T14:02:00Z"] {
        let response = try await Self.post(
          client, ["camera": "front", "start": bad, "end": "2026-12-07T14:09:00Z"])
        assertAPIError(response, .badRequest)
        XCTAssertTrue(
          response.errorMessage?.hasPrefix("invalid start") ?? false, "\(bad): \(response.text)")
        XCTAssertTrue(response.errorMessage?.contains("ISO 8601 with Z or an offset") ?? false)
      }
    }
  }

  func testEndNotAfterStartAndMoreThan24HoursAre400() async throws {
    try await server.test { client in
      let backwards = try await Self.post(
        client,
        ["camera": "front", "start": "2026-12-07T14:09:00Z", "end": "2026-12-07T15:02:00+02:00"])
      assertAPIError(backwards, .badRequest, "the end must be after the start")
      let long = try await Self.post(
        client,
        ["camera": "front", "start": "2026-12-07T14:00:00Z", "end": "2026-12-08T14:00:00.001Z"])
      assertAPIError(
        long, .badRequest, "the range is longer than 24 hours: export at most 24 hours at a time")
    }
  }

  func testAnUnknownCameraIs404AndARangeWithoutFootageIs422SayingWhatIsNear() async throws {
    let clips = try addFootage(seconds: [10])
    let layout = server.services.index.layout
    try await server.test { client in
      let unknown = try await Self.post(
        client, ["camera": "garage", "start": Self.iso(Self.t0), "end": Self.iso(Self.t0 + 5000)])
      assertAPIError(unknown, .notFound)

      let later = Self.t0 + 3_600_000
      let empty = try await Self.post(
        client, ["camera": "front", "start": Self.iso(later), "end": Self.iso(later + 60_000)])
      XCTAssertEqual(empty.status.code, 422, empty.text)
      let endTime = layout.localTime(ofMs: clips[0].endMs!)
      let expected =
        "the footage before ends at \(endTime.day) \(endTime.timeOfDay.replacingOccurrences(of: "-", with: ":"))"
      XCTAssertTrue(empty.errorMessage?.contains(expected) ?? false, empty.text)
      XCTAssertTrue(empty.errorMessage?.hasPrefix("Front door has no footage from") ?? false)
      XCTAssertEqual(empty.object?["end_before_ms"] as? Int, Int(clips[0].endMs!), empty.text)
      XCTAssertNil(empty.object?["start_after_ms"], "no footage after: absent")

      let early = try await Self.post(
        client,
        ["camera": "front", "start": Self.iso(Self.t0 - 60_000), "end": Self.iso(Self.t0 - 1_000)])
      XCTAssertEqual(early.status.code, 422, early.text)
      XCTAssertEqual(early.object?["start_after_ms"] as? Int, Int(clips[0].startMs), early.text)
      XCTAssertNil(early.object?["end_before_ms"])
    }
  }

  func testAViewerCannotExportNorDelete() async throws {
    try addFootage(seconds: [4])
    let row = try server.services.index.insertExport(
      cameraId: "front", startMs: Self.t0, endMs: Self.t0 + 1000, createdMs: 1)
    _ = try server.services.index.endExport(id: row.id, state: .failed, error: "x")
    try await server.test { client in
      let response = try await Self.post(
        client, ["camera": "front", "start": Self.iso(Self.t0), "end": Self.iso(Self.t0 + 3000)],
        headers: Client.viewer)
      assertAPIError(response, .forbidden, APIError.forbiddenForViewer.message)
      let deleted = try await client.execute(
        uri: "/api/v1/exports/\(row.id)", method: .delete,
        headers: Client.viewer + [.origin: Client.ownOrigin])
      assertAPIError(deleted, .forbidden, APIError.forbiddenForViewer.message)
    }
    XCTAssertNotNil(try server.services.index.export(id: row.id), "not deleted")
    XCTAssertEqual(try server.services.index.exports().count, 1, "no export made")
  }

  func testACrossOriginExportIsRefused() async throws {
    try addFootage(seconds: [4])
    try await server.test { client in
      let response = try await client.execute(
        uri: "/api/v1/exports", method: .post,
        headers: Client.admin + Client.jsonContent + [.origin: Client.foreignOrigin],
        body: Client.json([
          "camera": "front", "start": Self.iso(Self.t0), "end": Self.iso(Self.t0 + 3000),
        ]))
      assertAPIError(response, .forbidden, APIError.crossOrigin.message)
    }
    XCTAssertEqual(try server.services.index.exports(), [], "no export made")
  }

  // MARK: A real export

  func testAnExportRunsReportsProgressDownloadsUnderItsNameAndDeletes() async throws {
    try addFootage()
    let events = await server.services.hub.subscribe()
    let layout = server.services.index.layout
    try await server.test { client in
      let start = Self.t0 + 2_500
      let end = Self.t0 + 27_500
      let created = try await Self.post(
        client, ["camera": "front", "start": Self.iso(start), "end": Self.iso(end)])
      XCTAssertEqual(created.status, .accepted, created.text)
      let id = try XCTUnwrap(created.object?["id"] as? Int)
      XCTAssertEqual(created.headers[.location], "/api/v1/exports/\(id)")

      let seen = await Self.waitForEnd(of: Int64(id), events: events)
      XCTAssertEqual(seen.first?.state, .running, "queued: published running")
      XCTAssertEqual(seen.last?.state, .done, "\(seen)")

      let answer = try await client.execute(
        uri: "/api/v1/exports/\(id)", method: .get, headers: Client.viewer)
      let object = try XCTUnwrap(answer.object, answer.text)
      XCTAssertEqual(object["state"] as? String, "done")
      XCTAssertEqual((object["progress"] as? NSNumber)?.doubleValue, 1)
      XCTAssertEqual(object["camera"] as? String, "front")
      XCTAssertEqual(object["start"] as? String, "2026-12-07T14:02:02.500Z")
      XCTAssertEqual(object["end_ms"] as? Int, Int(end))
      XCTAssertTrue(object["error"] is NSNull)
      let size = try XCTUnwrap(object["size_bytes"] as? Int)
      XCTAssertGreaterThan(size, 0)

      let list = try await client.execute(
        uri: "/api/v1/exports", method: .get, headers: Client.viewer)
      XCTAssertEqual((list.object?["exports"] as? [[String: Any]])?.map { $0["id"] as? Int }, [id])

      let download = try await client.execute(
        uri: "/api/v1/exports/\(id)/download", method: .get, headers: Client.viewer)
      XCTAssertEqual(download.status, .ok)
      let from = layout.localTime(ofMs: start)
      let to = layout.localTime(ofMs: end)
      XCTAssertEqual(
        download.headers[.contentDisposition],
        "attachment; filename=\"Front_door_\(from.day)_\(from.timeOfDay)_to_\(to.timeOfDay).mp4\"")
      XCTAssertEqual(download.bytes.count, size)
      XCTAssertEqual(Array(download.bytes[4..<8]), Array("ftyp".utf8), "an MP4")
      let tail = try await client.execute(
        uri: "/api/v1/exports/\(id)/download", method: .get,
        headers: Client.viewer + [.range: "bytes=100-199"])
      XCTAssertEqual(tail.status, .partialContent)
      XCTAssertEqual(tail.bytes, Array(download.bytes[100...199]))

      let file = layout.exportPaths(id: Int64(id)).final
      let probe = try MediaProbe.probe(path: file)
      XCTAssertEqual(probe.durationSeconds, 25, accuracy: 1.1, "25 s from the keyframe before")

      let deleted = try await client.execute(
        uri: "/api/v1/exports/\(id)", method: .delete,
        headers: Client.admin + [.origin: Client.ownOrigin])
      XCTAssertEqual(deleted.status, .noContent)
      XCTAssertFalse(FileManager.default.fileExists(atPath: file))
      let gone = try await client.execute(
        uri: "/api/v1/exports/\(id)", method: .get, headers: Client.viewer)
      assertAPIError(gone, .notFound)
      let again = try await client.execute(
        uri: "/api/v1/exports/\(id)", method: .delete,
        headers: Client.admin + [.origin: Client.ownOrigin])
      assertAPIError(again, .notFound)
    }
  }

  func testAnExportWhoseEndCannotBeRecordedIsNotShownStuckRunning() async throws {
    try addFootage(seconds: [4])
    // Every write of an export's final state fails (as a broken or locked database would).
    let other = try DatabaseQueue(path: server.services.index.databasePath)
    try await other.write { db in
      try db.execute(
        sql: """
          CREATE TRIGGER refuse_export_end BEFORE UPDATE OF state ON export
          BEGIN SELECT RAISE(ABORT, 'injected failure'); END
          """)
    }
    let events = await server.services.hub.subscribe()
    let layout = server.services.index.layout
    try await server.test { client in
      let created = try await Self.post(
        client, ["camera": "front", "start": Self.iso(Self.t0), "end": Self.iso(Self.t0 + 3000)])
      XCTAssertEqual(created.status, .accepted, created.text)
      let id = try XCTUnwrap(created.object?["id"] as? Int)
      let seen = await Self.waitForEnd(of: Int64(id), events: events)
      let last = try XCTUnwrap(seen.last)
      XCTAssertEqual(last.state, .failed, "published ended although the row could not say so")
      XCTAssertTrue(
        last.error?.hasPrefix("cannot record the end of the export") ?? false, "\(last)")
      XCTAssertFalse(
        FileManager.default.fileExists(
          atPath: layout.exportPaths(id: Int64(id)).final),
        "no file is left for an export the index does not know is done")
    }
  }

  func testTheDownloadOfAFailedExportIs409AndAnUnknownOne404() async throws {
    let index = server.services.index
    let row = try index.insertExport(
      cameraId: "front", startMs: Self.t0, endMs: Self.t0 + 1000, createdMs: 1)
    try await server.test { client in
      let running = try await client.execute(
        uri: "/api/v1/exports/\(row.id)/download", method: .get, headers: Client.viewer)
      assertAPIError(running, .conflict)
      XCTAssertTrue(running.errorMessage?.contains("still being made") ?? false)
      _ = try index.endExport(id: row.id, state: .failed, error: "the disk is full")
      let failed = try await client.execute(
        uri: "/api/v1/exports/\(row.id)/download", method: .get, headers: Client.viewer)
      assertAPIError(failed, .conflict)
      XCTAssertEqual(
        failed.errorMessage,
        "export \(row.id) failed (the disk is full): it has no file; export again or delete it")
      let unknown = try await client.execute(
        uri: "/api/v1/exports/4242/download", method: .get, headers: Client.viewer)
      assertAPIError(unknown, .notFound)
      let malformed = try await client.execute(
        uri: "/api/v1/exports/0x1", method: .get, headers: Client.viewer)
      assertAPIError(malformed, .badRequest)
    }
  }

  func testADoneExportWhoseFileIsMissingIs404SayingWhatToDo() async throws {
    let index = server.services.index
    let row = try index.insertExport(
      cameraId: "front", startMs: Self.t0, endMs: Self.t0 + 1000, createdMs: 1)
    _ = try index.endExport(id: row.id, state: .done, sizeBytes: 1234)
    try await server.test { client in
      let missing = try await client.execute(
        uri: "/api/v1/exports/\(row.id)/download", method: .get, headers: Client.viewer)
      assertAPIError(
        missing, .notFound,
        "the file of export \(row.id) is missing on the disk: delete it and export again, or run `vms check-storage --repair`"
      )
    }
  }

  // MARK: Times

  func testTimesAreISO8601WithAZone() {
    XCTAssertEqual(ExportTime.parse("2026-12-07T14:02:00Z"), Self.t0)
    XCTAssertEqual(ExportTime.parse("2026-12-07T15:02:00+01:00"), Self.t0)
    XCTAssertEqual(ExportTime.parse("2026-12-07T09:02:00-05:00"), Self.t0)
    XCTAssertEqual(ExportTime.parse("2026-12-07T14:02:00.250Z"), Self.t0 + 250)
    XCTAssertNil(ExportTime.parse("2026-12-07T14:02:00"), "no zone: whose clock?")
    XCTAssertNil(ExportTime.parse("2026-12-07"))
    XCTAssertNil(ExportTime.parse("1796652120000"))
    XCTAssertNil(ExportTime.parse(""))
    XCTAssertEqual(ExportTime.text(ms: Self.t0), "2026-12-07T14:02:00Z")
    XCTAssertEqual(ExportTime.text(ms: Self.t0 + 250), "2026-12-07T14:02:00.250Z")
    // Every millisecond as sent, none lost to floating point (.006 once came out .005).
    for ms in Int64(0)..<1000 {
      let text = ExportTime.text(ms: 1_796_652_108_000 + ms)
      XCTAssertEqual(ExportTime.parse(text), 1_796_652_108_000 + ms, text)
      if ms > 0 { XCTAssertTrue(text.hasSuffix(String(format: ".%03dZ", Int(ms))), text) }
    }
  }

  func testTheExportDownloadName() {
    XCTAssertEqual(
      DownloadName.export(
        cameraName: "Entrée nord", start: ("2026-12-07", "14-02-00"),
        end: ("2026-12-07", "14-09-00")),
      "Entree_nord_2026-12-07_14-02-00_to_14-09-00.mp4")
    XCTAssertEqual(
      DownloadName.export(
        cameraName: "Yard", start: ("2026-12-07", "23-50-00"), end: ("2026-12-08", "00-10-00")),
      "Yard_2026-12-07_23-50-00_to_2026-12-08_00-10-00.mp4")
  }
}
