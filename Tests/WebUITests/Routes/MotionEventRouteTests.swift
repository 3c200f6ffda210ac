// The motion events API (docs/api.md, "Motion events"): the listing with its filters and paging,
// one event, its thumbnail, marking it reviewed (admin only), the 400s that name the parameter and
// the 404 of an unknown id; and the WebSocket message that pushes an event.
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Storage
import XCTest

@testable import WebUI

final class MotionEventRouteTests: RouteTestCase {
  private static let t0: Int64 = 1_795_642_546_080
  private static let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 9, 8, 7, 0xFF, 0xD9]

  /// Four events of the test camera, a minute apart, scores 1 to 4; the last still open.
  private func addEvents() throws -> [MotionEventRecord] {
    let index = server.services.index
    return try (0..<4).map { n in
      var event = try index.openEvent(
        cameraId: TestServer.cameraId, startMs: Self.t0 + Int64(n) * 60_000, peakScore: 0,
        clipId: nil)
      event = try index.raiseEventPeak(
        event, score: Double(n + 1), atMs: event.startMs + 500, jpeg: n == 0 ? Self.jpeg : nil)
      if n < 3 { event = try index.setEventEnd(event, endMs: event.startMs + 5_000) }
      return event
    }
  }

  private static func get(_ client: any TestClientProtocol, _ path: String) async throws
    -> TestResponse
  {
    try await client.execute(uri: path, method: .get, headers: Client.viewer)
  }

  private static func ids(_ response: TestResponse) -> [Int64] {
    ((response.object?["events"] as? [[String: Any]]) ?? []).compactMap {
      ($0["id"] as? NSNumber)?.int64Value
    }
  }

  func testTheListIsNewestFirstWithEveryFieldAndItsFilters() async throws {
    let events = try addEvents()
    let ids = events.map(\.id)
    try await server.test { client in
      let all = try await Self.get(client, "/api/v1/motion-events")
      XCTAssertEqual(all.status, .ok)
      XCTAssertEqual(Self.ids(all), ids.reversed())
      let first = try XCTUnwrap((all.object?["events"] as? [[String: Any]])?.last)
      XCTAssertEqual(
        Set(first.keys),
        [
          "id", "camera_id", "start_ms", "end_ms", "peak_score", "peak_ms", "label", "clip_id",
          "reviewed", "thumbnail_url",
        ])
      XCTAssertEqual(first["camera_id"] as? String, TestServer.cameraId)
      XCTAssertEqual((first["start_ms"] as? NSNumber)?.int64Value, Self.t0)
      XCTAssertEqual((first["end_ms"] as? NSNumber)?.int64Value, Self.t0 + 5_000)
      XCTAssertEqual(first["peak_score"] as? Double, 1)
      XCTAssertEqual((first["peak_ms"] as? NSNumber)?.int64Value, Self.t0 + 500)
      XCTAssertTrue(first["label"] is NSNull)
      XCTAssertTrue(first["clip_id"] is NSNull)
      XCTAssertEqual(first["reviewed"] as? Bool, false)
      XCTAssertEqual(first["thumbnail_url"] as? String, "/api/v1/motion-events/\(ids[0])/thumbnail")
      let open = try XCTUnwrap((all.object?["events"] as? [[String: Any]])?.first)
      XCTAssertTrue(open["end_ms"] is NSNull, "an open event")
      XCTAssertTrue(open["thumbnail_url"] is NSNull, "no thumbnail yet")

      let cases: [(String, [Int64])] = [
        ("camera=front", ids.reversed()), ("camera=back", []),
        ("min_score=2.5", [ids[3], ids[2]]),
        ("since_ms=\(Self.t0 + 125_000)", [ids[3], ids[2]]),
        ("since_ms=\(Self.t0 + 125_001)", [ids[3]]),
        ("until_ms=\(Self.t0 + 60_000)", [ids[0]]),
        ("since_ms=\(Self.t0)&until_ms=\(Self.t0 + 60_001)", [ids[1], ids[0]]),
        ("limit=2", [ids[3], ids[2]]), ("limit=2&before_id=\(ids[2])", [ids[1], ids[0]]),
        ("reviewed=false", ids.reversed()), ("reviewed=true", []),
      ]
      for (query, expected) in cases {
        let response = try await Self.get(client, "/api/v1/motion-events?\(query)")
        XCTAssertEqual(response.status, .ok, query)
        XCTAssertEqual(Self.ids(response), expected, query)
      }
    }
  }

  func testBadParametersAre400NamingTheParameter() async throws {
    try await server.test { client in
      for (query, parameter) in [
        ("camera=Front%20Door", "camera id"), ("since_ms=yesterday", "since_ms"),
        ("until_ms=-5", "until_ms"), ("min_score=much", "min_score"),
        ("min_score=101", "min_score"), ("reviewed=yes", "reviewed"), ("limit=0", "limit"),
        ("limit=501", "limit"), ("before_id=0", "before_id"), ("cam=front", "cam"),
        ("since_ms=2000&until_ms=1000", "until_ms"),
      ] {
        let response = try await Self.get(client, "/api/v1/motion-events?\(query)")
        assertAPIError(response, .badRequest)
        XCTAssertTrue(
          response.errorMessage?.contains(parameter) ?? false,
          "\(query): \(response.errorMessage ?? "")")
      }
      assertAPIError(try await Self.get(client, "/api/v1/motion-events/abc"), .badRequest)
    }
  }

  func testOneEventItsThumbnailAndUnknownIds() async throws {
    let events = try addEvents()
    try await server.test { client in
      let one = try await Self.get(client, "/api/v1/motion-events/\(events[1].id)")
      XCTAssertEqual(one.status, .ok)
      XCTAssertEqual((one.object?["id"] as? NSNumber)?.int64Value, events[1].id)
      let thumbnail = try await Self.get(
        client, "/api/v1/motion-events/\(events[0].id)/thumbnail")
      XCTAssertEqual(thumbnail.status, .ok)
      XCTAssertEqual(thumbnail.headers[.contentType], "image/jpeg")
      XCTAssertEqual(thumbnail.bytes, Self.jpeg)
      assertAPIError(
        try await Self.get(client, "/api/v1/motion-events/\(events[1].id)/thumbnail"), .notFound,
        "motion event \(events[1].id) has no thumbnail")
      for path in [
        "/api/v1/motion-events/999", "/api/v1/motion-events/999/thumbnail",
      ] {
        assertAPIError(
          try await Self.get(client, path), .notFound,
          "no motion event 999: it may have been deleted with its footage by retention or by a user"
        )
      }
      let put = try await client.execute(
        uri: "/api/v1/motion-events/999/reviewed", method: .put,
        headers: Client.admin + Client.jsonContent, body: Client.json(["reviewed": true]))
      assertAPIError(put, .notFound)
    }
  }

  func testAnAdminMarksAnEventReviewedAViewerMayNot() async throws {
    let event = try addEvents()[0]
    try await server.test { client in
      let path = "/api/v1/motion-events/\(event.id)/reviewed"
      let viewer = try await client.execute(
        uri: path, method: .put, headers: Client.viewer + Client.jsonContent,
        body: Client.json(["reviewed": true]))
      assertAPIError(viewer, .forbidden)
      let bad = try await client.execute(
        uri: path, method: .put, headers: Client.admin + Client.jsonContent,
        body: Client.json(["reviewed": "yes"]))
      assertAPIError(bad, .badRequest)
      XCTAssertTrue(bad.errorMessage?.hasPrefix("reviewed:") ?? false)
      let admin = try await client.execute(
        uri: path, method: .put, headers: Client.admin + Client.jsonContent,
        body: Client.json(["reviewed": true]))
      XCTAssertEqual(admin.status, .ok)
      XCTAssertEqual(admin.object?["reviewed"] as? Bool, true)
      let listed = try await Self.get(client, "/api/v1/motion-events?reviewed=true")
      XCTAssertEqual(Self.ids(listed), [event.id])
    }
  }

  func testTheWebSocketMessageOfAnEventHasTheListsShape() throws {
    let event = MotionEventRecord(
      id: 7, cameraId: "front", startMs: 1_000, endMs: nil, peakScore: 3.14159, peakMs: 1_500,
      thumbnail: "events/front/2026-11-25/7.jpg", label: nil, clipId: 12, reviewed: false)
    let text = EventRoutes.message(for: .motionEvent(event))
    XCTAssertEqual(
      text,
      #"{"event":{"camera_id":"front","clip_id":12,"end_ms":null,"id":7,"label":null,"peak_ms":1500,"peak_score":3.14,"reviewed":false,"start_ms":1000,"thumbnail_url":"/api/v1/motion-events/7/thumbnail"},"type":"event"}"#
    )
  }
}
