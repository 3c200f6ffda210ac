// Clip downloads as a video player and a download manager use them (HTTP Range), and the error
// bodies of ids that name nothing.
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import XCTest

@testable import WebUI

final class ClipRangeRouteTests: RouteTestCase {
  /// 1000 bytes that differ from their neighbours, so any misplaced byte shows.
  private static let content: [UInt8] = (0..<1000).map {
    UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 / 256)
  }

  private static func get(
    _ client: any TestClientProtocol, _ path: String, range: String? = nil
  ) async throws -> TestResponse {
    var headers = Client.viewer
    if let range { headers[.range] = range }
    return try await client.execute(uri: path, method: .get, headers: headers)
  }

  func testTheWholeVideoWithoutRange() async throws {
    let clip = try server.addClip(bytes: Self.content)
    try await server.test { client in
      let response = try await Self.get(client, "/api/v1/clips/\(clip.id)/video")
      XCTAssertEqual(response.status, .ok)
      XCTAssertEqual(response.headers[.contentType], "video/mp4")
      XCTAssertEqual(response.headers[.acceptRanges], "bytes")
      XCTAssertEqual(response.headers[.contentLength], "1000")
      XCTAssertEqual(response.headers[.cacheControl], "private, max-age=3600")
      XCTAssertEqual(response.bytes, Self.content)
    }
  }

  func testARangeIs206WithContentRangeAndExactlyThoseBytes() async throws {
    let clip = try server.addClip(bytes: Self.content)
    try await server.test { client in
      let cases: [(String, ClosedRange<Int>)] = [
        ("bytes=100-199", 100...199), ("bytes=0-0", 0...0), ("bytes=990-", 990...999),
        ("bytes=-10", 990...999),
        ("bytes=900-5000", 900...999),  // an end past the file is cut to the file
      ]
      for (header, expected) in cases {
        let response = try await Self.get(client, "/api/v1/clips/\(clip.id)/video", range: header)
        XCTAssertEqual(response.status, .partialContent, header)
        XCTAssertEqual(
          response.headers[.contentRange],
          "bytes \(expected.lowerBound)-\(expected.upperBound)/1000", header)
        XCTAssertEqual(response.headers[.contentLength], String(expected.count), header)
        XCTAssertEqual(response.bytes, Array(Self.content[expected]), header)
      }
    }
  }

  func testARangeOutsideTheFileIs416() async throws {
    let clip = try server.addClip(bytes: Self.content)
    try await server.test { client in
      for header in ["bytes=1000-", "bytes=5000-6000"] {
        let response = try await Self.get(client, "/api/v1/clips/\(clip.id)/video", range: header)
        assertAPIError(
          response, .rangeNotSatisfiable, "the requested range is outside the file (1000 bytes)")
        XCTAssertEqual(response.headers[.contentRange], "bytes */1000", header)
      }
    }
  }

  func testTheDownloadNamesTheFileAndHonoursRange() async throws {
    let clip = try server.addClip(bytes: Self.content)
    try await server.test { client in
      let whole = try await Self.get(client, "/api/v1/clips/\(clip.id)/download")
      XCTAssertEqual(whole.status, .ok)
      let disposition = try XCTUnwrap(whole.headers[.contentDisposition])
      XCTAssertTrue(disposition.hasPrefix("attachment; filename=\"Front_door_"), disposition)
      XCTAssertTrue(disposition.hasSuffix(".mp4\""), disposition)
      XCTAssertEqual(whole.bytes, Self.content)
      let tail = try await Self.get(
        client, "/api/v1/clips/\(clip.id)/download", range: "bytes=500-")
      XCTAssertEqual(tail.status, .partialContent)
      XCTAssertEqual(tail.headers[.contentRange], "bytes 500-999/1000")
      XCTAssertEqual(tail.bytes, Array(Self.content[500...]))
    }
  }

  func testAVideoMissingOnTheDiskIs404() async throws {
    let clip = try server.addClip(bytes: Self.content)
    try FileManager.default.removeItem(
      atPath: try server.services.index.absolutePath(of: clip.file))
    try await server.test { client in
      let response = try await Self.get(client, "/api/v1/clips/\(clip.id)/video")
      assertAPIError(response, .notFound, "the file of clip \(clip.id) is missing on the disk")
      let thumbnail = try await Self.get(client, "/api/v1/clips/\(clip.id)/thumbnail")
      assertAPIError(thumbnail, .notFound, "clip \(clip.id) has no thumbnail")
    }
  }
}

final class NotFoundRouteTests: RouteTestCase {
  func testAnUnknownClipIs404ForEveryClipRoute() async throws {
    try await server.test { client in
      for (method, path) in [
        (HTTPRequest.Method.get, "/api/v1/clips/999"), (.get, "/api/v1/clips/999/video"),
        (.get, "/api/v1/clips/999/download"), (.get, "/api/v1/clips/999/thumbnail"),
        (.delete, "/api/v1/clips/999"), (.post, "/api/v1/clips/999/archive"),
      ] {
        let response = try await client.execute(uri: path, method: method, headers: Client.admin)
        assertAPIError(
          response, .notFound, "no clip 999: it may have been deleted by retention or by a user")
      }
    }
  }

  func testAnUnknownCameraIs404() async throws {
    try await server.test { client in
      for path in [
        "/api/v1/cameras/nope/days", "/api/v1/cameras/nope/usage",
        "/api/v1/cameras/nope/clips?date=2026-11-25",
      ] {
        let response = try await client.execute(uri: path, method: .get, headers: Client.viewer)
        assertAPIError(response, .notFound, "no camera nope: GET /api/v1/cameras lists them")
      }
      for path in ["/api/v1/cameras/nope/snapshot.jpg", "/api/v1/cameras/nope/live.mjpeg"] {
        let response = try await client.execute(uri: path, method: .get, headers: Client.viewer)
        assertAPIError(
          response, .notFound, "no configured camera nope: GET /api/v1/cameras lists them")
      }
    }
  }

  func testMalformedIdsAre400() async throws {
    try await server.test { client in
      for path in ["/api/v1/clips/abc", "/api/v1/clips/-1", "/api/v1/cameras/Front.Door/days"] {
        let response = try await client.execute(uri: path, method: .get, headers: Client.viewer)
        assertAPIError(response, .badRequest)
      }
    }
  }

  func testAClipOfAKnownCameraIsFound() async throws {
    let clip = try server.addClip(bytes: [1, 2, 3, 4])
    try await server.test { client in
      let response = try await client.execute(
        uri: "/api/v1/clips/\(clip.id)", method: .get, headers: Client.viewer)
      XCTAssertEqual(response.status, .ok, response.text)
      XCTAssertEqual(response.object?["camera_id"] as? String, TestServer.cameraId)
      XCTAssertEqual(response.object?["size_bytes"] as? Int, 4)
      let days = try await client.execute(
        uri: "/api/v1/cameras/front/days", method: .get, headers: Client.viewer)
      XCTAssertEqual(days.status, .ok, days.text)
      XCTAssertEqual(
        (try JSONSerialization.jsonObject(with: Data(days.bytes)) as? [String])?.count, 1, days.text
      )
    }
  }
}
