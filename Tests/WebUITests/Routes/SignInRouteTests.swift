// Signing in and out as a browser sees it (the session cookie and its attributes), HTTP Basic
// credentials as curl and Prometheus send them, and the per-address limit on password checks.
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import XCTest

@testable import WebUI

final class SessionCookieRouteTests: RouteTestCase {
  private static func signIn(_ client: any TestClientProtocol) async throws -> TestResponse {
    try await client.execute(
      uri: "/api/v1/login", method: .post,
      headers: Client.jsonContent + [.origin: Client.ownOrigin],
      body: Client.loginBody(TestServer.adminName, TestServer.adminPassword))
  }

  func testSignInSetsAStrictHttpOnlySessionCookie() async throws {
    try await server.test { client in
      let response = try await Self.signIn(client)
      XCTAssertEqual(response.status, .ok, response.text)
      XCTAssertEqual(response.object?["name"] as? String, TestServer.adminName)
      XCTAssertEqual(response.object?["role"] as? String, "admin")
      let header = try XCTUnwrap(response.headers[.setCookie])
      let attributes = header.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
      XCTAssertTrue(attributes.contains("HttpOnly"), header)
      XCTAssertTrue(attributes.contains("SameSite=Strict"), header)
      XCTAssertTrue(attributes.contains("Path=/"), header)
      XCTAssertTrue(attributes.contains("Max-Age=\(7 * 24 * 3600)"), header)
      let token = try XCTUnwrap(response.sessionCookie)
      XCTAssertEqual(token.count, 64)
      XCTAssertTrue(token.allSatisfy { $0.isHexDigit && !$0.isUppercase }, token)
    }
  }

  func testTheCookieSignsInAndSlides() async throws {
    try await server.test { client in
      let signedIn = try await Self.signIn(client)
      let token = try XCTUnwrap(signedIn.sessionCookie)
      // Among other cookies of the same site, as a browser sends them.
      let me = try await client.execute(
        uri: "/api/v1/me", method: .get,
        headers: [.cookie: "theme=dark; vms_session=\(token); lang=fr"])
      XCTAssertEqual(me.status, .ok, me.text)
      XCTAssertEqual(me.object?["name"] as? String, TestServer.adminName)
      XCTAssertEqual(me.sessionCookie, token, "GET /api/v1/me sends the cookie again so it slides")
      XCTAssertTrue(me.headers[.setCookie]?.contains("HttpOnly") == true)
    }
  }

  func testSignOutClearsTheCookieAndEndsTheSession() async throws {
    try await server.test { client in
      let signedIn = try await Self.signIn(client)
      let token = try XCTUnwrap(signedIn.sessionCookie)
      let cookie: HTTPFields = [.cookie: "vms_session=\(token)"]
      let out = try await client.execute(
        uri: "/api/v1/logout", method: .post, headers: cookie + [.origin: Client.ownOrigin])
      XCTAssertEqual(out.status, .noContent)
      let header = try XCTUnwrap(out.headers[.setCookie])
      XCTAssertTrue(header.hasPrefix("vms_session=;"), header)
      XCTAssertTrue(header.contains("Max-Age=0"), header)
      XCTAssertTrue(header.contains("Path=/"), header)
      let after = try await client.execute(uri: "/api/v1/me", method: .get, headers: cookie)
      assertAPIError(after, .unauthorized, APIError.unauthorized.message)
    }
  }

  func testAWrongPasswordSetsNoCookie() async throws {
    try await server.test { client in
      for (name, password) in [
        (TestServer.adminName, "wrong"), ("nobody", TestServer.adminPassword),
      ] {
        let response = try await client.execute(
          uri: "/api/v1/login", method: .post, headers: Client.jsonContent,
          body: Client.loginBody(name, password))
        assertAPIError(response, .unauthorized, "wrong user name or password")
        XCTAssertNil(response.headers[.setCookie])
      }
    }
  }
}

final class BasicCredentialsRouteTests: RouteTestCase {
  func testBasicCredentialsSignIn() async throws {
    try await server.test { client in
      let admin = try await client.execute(uri: "/api/v1/me", method: .get, headers: Client.admin)
      XCTAssertEqual(admin.status, .ok, admin.text)
      XCTAssertEqual(admin.object?["name"] as? String, TestServer.adminName)
      XCTAssertEqual(admin.object?["role"] as? String, "admin")
      XCTAssertNil(admin.headers[.setCookie], "Basic credentials start no session")
      let viewer = try await client.execute(uri: "/api/v1/me", method: .get, headers: Client.viewer)
      XCTAssertEqual(viewer.object?["role"] as? String, "viewer")
      // Checked once, then remembered: a second request answers the same.
      let again = try await client.execute(uri: "/api/v1/me", method: .get, headers: Client.admin)
      XCTAssertEqual(again.status, .ok)
    }
  }

  func testAPasswordIsSplitAtTheFirstColonOnly() async throws {
    XCTAssertTrue(TestServer.adminPassword.contains(":"))
    try await server.test { client in
      // "admin:s3cret" + ":with colon" split anywhere else would be a wrong password.
      let truncated = try await client.execute(
        uri: "/api/v1/me", method: .get, headers: Client.basic(TestServer.adminName, "s3cret"))
      XCTAssertEqual(truncated.status, .unauthorized)
      let whole = try await client.execute(uri: "/api/v1/me", method: .get, headers: Client.admin)
      XCTAssertEqual(whole.status, .ok, whole.text)
    }
  }

  func testWrongOrMalformedBasicCredentialsAre401() async throws {
    try await server.test { client in
      for headers: HTTPFields in [
        Client.basic(TestServer.adminName, "wrong"),
        Client.basic("nobody", TestServer.adminPassword),
        [.authorization: "Basic " + Data("no-colon".utf8).base64EncodedString()],
        [.authorization: "Basic not base64!"],
      ] {
        let response = try await client.execute(
          uri: "/api/v1/cameras", method: .get, headers: headers)
        assertAPIError(response, .unauthorized, APIError.unauthorized.message)
      }
    }
  }
}

final class LoginThrottleRouteTests: RouteTestCase {
  private static func wrongLogin(_ client: any TestClientProtocol) async throws -> TestResponse {
    try await client.execute(
      uri: "/api/v1/login", method: .post, headers: Client.jsonContent,
      body: Client.loginBody(TestServer.adminName, "guess"))
  }

  /// Asserts a 429 whose Retry-After and message agree; returns Retry-After.
  @discardableResult
  private static func assertThrottled(
    _ response: TestResponse, file: StaticString = #filePath, line: UInt = #line
  ) -> Int? {
    XCTAssertEqual(response.status, .tooManyRequests, response.text, file: file, line: line)
    guard let retryAfter = response.headers[.retryAfter].flatMap({ Int($0) }) else {
      XCTFail("no numeric Retry-After: \(response.headers)", file: file, line: line)
      return nil
    }
    XCTAssertTrue(
      (1...60).contains(retryAfter), "Retry-After \(retryAfter)", file: file, line: line)
    XCTAssertEqual(
      response.errorMessage,
      "too many sign-in attempts from your address: try again in \(retryAfter) s",
      file: file, line: line)
    return retryAfter
  }

  func testTheEleventhGuessInAMinuteIs429WithRetryAfter() async throws {
    try await server.test { client in
      for attempt in 1...10 {
        let response = try await Self.wrongLogin(client)
        XCTAssertEqual(response.status, .unauthorized, "guess \(attempt): \(response.text)")
      }
      Self.assertThrottled(try await Self.wrongLogin(client))
      // Past the limit even the right password is not checked.
      let right = try await client.execute(
        uri: "/api/v1/login", method: .post, headers: Client.jsonContent,
        body: Client.loginBody(TestServer.adminName, TestServer.adminPassword))
      Self.assertThrottled(right)
      XCTAssertNil(right.headers[.setCookie])
    }
  }

  func testBasicGuessesCountToo() async throws {
    try await server.test { client in
      for attempt in 1...10 {
        let response = try await client.execute(
          uri: "/api/v1/cameras", method: .get,
          headers: Client.basic(TestServer.adminName, "guess \(attempt)"))
        XCTAssertEqual(response.status, .unauthorized, "guess \(attempt)")
      }
      Self.assertThrottled(
        try await client.execute(
          uri: "/api/v1/cameras", method: .get, headers: Client.basic("admin", "guess 11")))
      Self.assertThrottled(try await Self.wrongLogin(client))
    }
  }

  func testRightPasswordsAreNotCounted() async throws {
    try await server.test { client in
      for attempt in 1...12 {
        let response = try await client.execute(
          uri: "/api/v1/login", method: .post, headers: Client.jsonContent,
          body: Client.loginBody(TestServer.adminName, TestServer.adminPassword))
        XCTAssertEqual(response.status, .ok, "sign-in \(attempt): \(response.text)")
      }
      let wrong = try await Self.wrongLogin(client)
      XCTAssertEqual(wrong.status, .unauthorized)
    }
  }
}
