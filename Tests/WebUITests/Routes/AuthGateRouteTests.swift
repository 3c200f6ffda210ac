// The auth gate, route by route: the router's own list of routes is walked, so a route added later
// is checked without anyone remembering to add it here.
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import XCTest

@testable import WebUI

final class AuthGateRouteTests: RouteTestCase {
  /// A concrete request path for a route: `{id}` becomes the test camera or clip 1.
  static func samplePath(_ route: Router<VMSRequestContext>.RouteDescription) -> String {
    let isClip = route.path.description.hasPrefix("/api/v1/clips")
    let components = route.path.components.map { element -> String in
      let text = element.description
      guard text.hasPrefix("{") else { return text }
      return isClip ? "1" : TestServer.cameraId
    }
    return "/" + components.joined(separator: "/")
  }

  /// The only routes anyone may call (docs/api.md). Written out here rather than taken from
  /// `AuthMiddleware.openRoutes`, so opening another route there makes these tests fail.
  static let openRoutes: Set<String> = ["GET /api/v1/health", "POST /api/v1/login"]

  /// Every route except the two open ones.
  private func gatedRoutes() -> [(method: HTTPRequest.Method, path: String, name: String)] {
    server.routes().compactMap { route in
      let name = "\(route.method.rawValue) \(route.path)"
      let path = Self.samplePath(route)
      if Self.openRoutes.contains("\(route.method.rawValue) \(path)") { return nil }
      return (route.method, path, name)
    }
  }

  func testTheWalkSeesEveryRouteGroup() {
    let names = Set(server.routes().map { "\($0.method.rawValue) \($0.path)" })
    // One route of each group, so an empty or partial walk cannot pass silently.
    for expected in [
      "GET /api/v1/health", "POST /api/v1/login", "GET /api/v1/me", "GET /api/v1/update",
      "GET /api/v1/cameras",
      "POST /api/v1/cameras", "GET /api/v1/clips/{id}/video", "DELETE /api/v1/cameras/{id}/footage",
      "GET /api/v1/cameras/{id}/live.mjpeg", "GET /api/v1/events", "GET /metrics",
    ] {
      XCTAssertTrue(
        names.contains(expected), "\(expected) is not among the router's routes: \(names.sorted())")
    }
    XCTAssertGreaterThanOrEqual(names.count, 25)
  }

  func testEveryRouteButHealthAndLoginAnswers401WhenSignedOut() async throws {
    let routes = gatedRoutes()
    XCTAssertGreaterThanOrEqual(routes.count, 23)
    try await server.test { client in
      for route in routes {
        let response = try await client.execute(uri: route.path, method: route.method)
        XCTAssertEqual(
          response.status, .unauthorized, "\(route.name) (\(route.path)) is open: \(response.text)")
        XCTAssertEqual(
          response.headers[.contentType], "application/json; charset=utf-8", route.name)
        XCTAssertEqual(response.errorMessage, APIError.unauthorized.message, route.name)
      }
    }
  }

  func testForgedCookiesAndOtherSchemesOpenNoRoute() async throws {
    let routes = gatedRoutes().filter { $0.method == .get }
    let forged = String(repeating: "0123456789abcdef", count: 4)  // well formed, never issued
    let attempts: [HTTPFields] = [
      [.cookie: "vms_session=\(forged)"], [.cookie: "vms_session=../../etc/passwd"],
      [.authorization: "Bearer \(forged)"], [.authorization: "Basic !!!"],
    ]
    try await server.test { client in
      for route in routes {
        for headers in attempts {
          let response = try await client.execute(
            uri: route.path, method: route.method, headers: headers)
          XCTAssertEqual(
            response.status, .unauthorized, "\(route.name) with \(headers): \(response.text)")
        }
      }
    }
  }

  func testHealthAndLoginAreOpen() async throws {
    try await server.test { client in
      let health = try await client.execute(uri: "/api/v1/health", method: .get)
      XCTAssertEqual(health.status, .ok, health.text)
      XCTAssertEqual(health.object?["status"] as? String, "ok")
      // Login reaches its handler without a user: a missing body is its 400, not the gate 401.
      let login = try await client.execute(uri: "/api/v1/login", method: .post)
      assertAPIError(login, .badRequest, #"send {"name":"...","password":"..."} as JSON"#)
    }
  }

  func testAViewerIsRefusedEveryStateChangingRouteButSignOut() async throws {
    let writes = gatedRoutes().filter { $0.method != .get }
    XCTAssertGreaterThanOrEqual(writes.count, 9)
    try await server.test { client in
      for route in writes {
        let response = try await client.execute(
          uri: route.path, method: route.method, headers: Client.viewer)
        if route.name == "POST /api/v1/logout" {
          XCTAssertEqual(response.status, .noContent, "a viewer must be able to sign out")
          continue
        }
        XCTAssertEqual(response.status, .forbidden, "\(route.name): \(response.text)")
        XCTAssertEqual(response.errorMessage, APIError.forbiddenForViewer.message, route.name)
      }
    }
    // Nothing was changed on the way: the camera is still configured.
    let cameras = await server.services.supervisor.configuration?.cameras.map(\.id)
    XCTAssertEqual(cameras, [TestServer.cameraId])
  }

  func testAViewerMayWatch() async throws {
    let clip = try server.addClip(bytes: Array(repeating: 7, count: 100))
    try await server.test { client in
      for path in [
        "/api/v1/me", "/api/v1/cameras", "/api/v1/cameras/front/days", "/api/v1/clips/\(clip.id)",
        "/api/v1/clips/\(clip.id)/video", "/metrics",
      ] {
        let response = try await client.execute(uri: path, method: .get, headers: Client.viewer)
        XCTAssertEqual(response.status, .ok, "\(path): \(response.text)")
      }
      let me = try await client.execute(uri: "/api/v1/me", method: .get, headers: Client.viewer)
      XCTAssertEqual(me.object?["role"] as? String, "viewer")
    }
  }

  func testAnAdminPassesTheGateOnEveryReadRoute() async throws {
    // Endless answers (live MJPEG, the event stream) are left out: the gate is the same for them.
    let reads = gatedRoutes().filter {
      $0.method == .get && !$0.path.hasSuffix("live.mjpeg") && $0.path != "/api/v1/events"
    }
    try await server.test { client in
      for route in reads {
        let response = try await client.execute(
          uri: route.path, method: .get, headers: Client.admin)
        XCTAssertFalse(
          [.unauthorized, .forbidden].contains(response.status),
          "\(route.name): \(response.status) \(response.text)")
        XCTAssertNotEqual(response.status, .internalServerError, "\(route.name): \(response.text)")
      }
    }
  }

  func testUnknownAPIPathsNeedAUserThenAnswer404() async throws {
    try await server.test { client in
      let signedOut = try await client.execute(uri: "/api/v1/nothing-here", method: .get)
      assertAPIError(signedOut, .unauthorized, APIError.unauthorized.message)
      let signedIn = try await client.execute(
        uri: "/api/v1/nothing-here", method: .get, headers: Client.admin)
      assertAPIError(signedIn, .notFound, "no such page or API route: see docs/api.md")
    }
  }
}
