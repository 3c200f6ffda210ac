// Cross-site refusal as a browser on another site would meet it: every state-changing route and the
// event WebSocket answer 403 to a foreign Origin (or Referer), even with an admin's credentials.
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import XCTest

@testable import WebUI

final class OriginRouteTests: RouteTestCase {
  func testEveryStateChangingRouteRefusesAForeignOriginEvenForAnAdmin() async throws {
    let writes = server.routes().filter { $0.method != .get }.map {
      (method: $0.method, path: AuthGateRouteTests.samplePath($0))
    }
    XCTAssertGreaterThanOrEqual(writes.count, 10)
    try await server.test { client in
      for route in writes {
        let path = route.path
        let response = try await client.execute(
          uri: path, method: route.method, headers: Client.admin + [.origin: Client.foreignOrigin])
        XCTAssertEqual(response.status, .forbidden, "\(route.method) \(path): \(response.text)")
        XCTAssertEqual(
          response.errorMessage, APIError.crossOrigin.message, "\(route.method) \(path)")
      }
    }
    let cameras = await server.services.supervisor.configuration?.cameras.map(\.id)
    XCTAssertEqual(cameras, [TestServer.cameraId], "a refused request changed the configuration")
  }

  func testAForeignRefererWithoutOriginIsRefused() async throws {
    let clip = try server.addClip(bytes: [1, 2, 3])
    try await server.test { client in
      let response = try await client.execute(
        uri: "/api/v1/clips/\(clip.id)", method: .delete,
        headers: Client.admin + [.referer: "http://evil.example/localhost/page.html"])
      assertAPIError(response, .forbidden, APIError.crossOrigin.message)
    }
    XCTAssertNotNil(try server.services.index.clip(id: clip.id), "the clip was deleted anyway")
  }

  func testOwnOriginAndClientsWithoutOriginPass() async throws {
    let clip = try server.addClip(bytes: [1, 2, 3])
    try await server.test { client in
      let sameSite = try await client.execute(
        uri: "/api/v1/clips/\(clip.id)/comment", method: .put,
        headers: Client.admin + Client.jsonContent + [.origin: Client.ownOrigin],
        body: Client.json(["comment": "from the page"]))
      XCTAssertEqual(sameSite.status, .ok, sameSite.text)
      XCTAssertEqual(sameSite.object?["comment"] as? String, "from the page")
      // curl with Basic credentials sends neither Origin nor Referer.
      let curl = try await client.execute(
        uri: "/api/v1/clips/\(clip.id)/comment", method: .put,
        headers: Client.admin + Client.jsonContent,
        body: Client.json(["comment": "from curl"]))
      XCTAssertEqual(curl.status, .ok, curl.text)
    }
  }

  func testSignInFromAnotherSiteIsRefused() async throws {
    try await server.test { client in
      let response = try await client.execute(
        uri: "/api/v1/login", method: .post,
        headers: Client.jsonContent + [.origin: Client.foreignOrigin],
        body: Client.loginBody(TestServer.adminName, TestServer.adminPassword))
      assertAPIError(response, .forbidden, APIError.crossOrigin.message)
      XCTAssertNil(response.headers[.setCookie])
    }
  }

  /// What the route itself answers (HummingbirdTesting's router mode, no NIO upgrader in front):
  /// the Origin is checked before the user, as for every state-changing request.
  func testTheEventRouteRefusesAForeignOriginBeforeItsUser() async throws {
    let upgrade: HTTPFields = [
      .upgrade: "websocket", .secWebSocketKey: "dGhlIHNhbXBsZSBub25jZQ==",
      .secWebSocketVersion: "13",
    ]
    try await server.application().test(.router) { client in
      let foreign = try await client.execute(
        uri: "/api/v1/events", method: .get,
        headers: Client.admin + upgrade + [.origin: Client.foreignOrigin])
      assertAPIError(foreign, .forbidden, APIError.crossOrigin.message)
      let signedOut = try await client.execute(
        uri: "/api/v1/events", method: .get, headers: upgrade + [.origin: Client.ownOrigin])
      assertAPIError(signedOut, .unauthorized, APIError.unauthorized.message)
    }
  }

  /// A real upgrade: refused ones get no socket (NIO's upgrader answers an empty 400 whatever the
  /// route's status, and closes), the same request from this site gets 101 and the snapshot.
  func testARealWebSocketUpgradeOpensOnlyFromThisSiteWithAUser() async throws {
    let admin = "Authorization: " + (Client.admin[.authorization] ?? "")
    try await server.test { client in
      let port = try XCTUnwrap(client.port)
      for headers in [
        [admin, "Origin: http://evil.example"], ["Origin: http://localhost"],
        [admin, "Referer: http://evil.example/"],
      ] {
        let refused = try await RawHTTP.exchange(
          port: port, request: RawHTTP.upgradeRequest("/api/v1/events", headers: headers),
          enough: { $0.contains("\r\n\r\n") })
        XCTAssertEqual(RawHTTP.status(of: refused), 400, "\(headers): \(refused)")
        XCTAssertTrue(refused.lowercased().contains("connection: close"), refused)
      }
      let own = try await RawHTTP.exchange(
        port: port,
        request: RawHTTP.upgradeRequest(
          "/api/v1/events", headers: [admin, "Origin: http://localhost"]),
        enough: { $0.contains("\"snapshot\"") })
      XCTAssertEqual(RawHTTP.status(of: own), 101, own)
      XCTAssertTrue(own.contains("\"type\":\"snapshot\""), own)
    }
  }
}
