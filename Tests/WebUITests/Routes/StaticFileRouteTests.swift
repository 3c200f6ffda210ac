// The UI files as a browser receives them: their Content-Type (a wrong one and the browser, told
// `nosniff`, refuses the script or style sheet), caching by ETag, the security headers.
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import VMSRuntime
import XCTest

@testable import WebUI

final class StaticFileRouteTests: RouteTestCase {
  func testTheBundledUIFilesHaveTheirContentTypes() async throws {
    try await server.test { client in
      for (path, type) in [
        ("/", "text/html; charset=utf-8"), ("/login.html", "text/html; charset=utf-8"),
        ("/js/api.js", "text/javascript; charset=utf-8"),
        ("/css/app.css", "text/css; charset=utf-8"),
      ] {
        let response = try await client.execute(uri: path, method: .get)
        XCTAssertEqual(response.status, .ok, path)
        XCTAssertEqual(response.headers[.contentType], type, path)
        XCTAssertEqual(response.headers[.contentLength], String(response.body.readableBytes), path)
        XCTAssertEqual(response.headers[.contentTypeOptions], "nosniff", path)
        XCTAssertEqual(
          response.headers[.contentSecurityPolicy], SecurityHeaders.contentSecurityPolicy, path)
      }
      let index = try await client.execute(uri: "/", method: .get)
      XCTAssertTrue(index.text.contains("<html"), "/ is not index.html")
    }
  }

  func testAnUnchangedFileIs304ByItsETag() async throws {
    try await server.test { client in
      let first = try await client.execute(uri: "/js/api.js", method: .get)
      let etag = try XCTUnwrap(first.headers[.eTag])
      XCTAssertEqual(first.headers[.cacheControl], "no-cache")
      let again = try await client.execute(
        uri: "/js/api.js", method: .get, headers: [.ifNoneMatch: etag])
      XCTAssertEqual(again.status, .notModified)
      XCTAssertEqual(again.body.readableBytes, 0)
      let other = try await client.execute(
        uri: "/js/api.js", method: .get, headers: [.ifNoneMatch: "\"stale\""])
      XCTAssertEqual(other.status, .ok)
    }
  }

  func testUnknownOrTraversingPathsAreJSON404s() async throws {
    try await server.test { client in
      for path in [
        "/nothing.html", "/../Package.swift", "/js/../../etc/passwd", "/%2e%2e/etc/passwd",
        "/.hidden",
      ] {
        let response = try await client.execute(uri: path, method: .get)
        assertAPIError(response, .notFound, "no such page or API route: see docs/api.md")
        XCTAssertEqual(response.headers[.frameOptions], "DENY", path)
      }
    }
  }

  /// Types the bundled UI does not use yet (icons, fonts, images), from a folder of our own,
  /// through the same router and middleware.
  func testEveryKindOfUIFileGetsItsType() async throws {
    let folder = URL(fileURLWithPath: server.directory + "/ui")
    let expected: [String: String] = [
      "page.html": "text/html; charset=utf-8", "old.htm": "text/html; charset=utf-8",
      "app.js": "text/javascript; charset=utf-8", "mod.mjs": "text/javascript; charset=utf-8",
      "style.css": "text/css; charset=utf-8", "icon.svg": "image/svg+xml", "logo.png": "image/png",
      "photo.jpg": "image/jpeg", "photo2.jpeg": "image/jpeg", "anim.gif": "image/gif",
      "pic.webp": "image/webp",
      "data.json": "application/json; charset=utf-8",
      "app.webmanifest": "application/manifest+json; charset=utf-8",
      "font.woff2": "font/woff2", "font.woff": "font/woff",
      "notes.txt": "text/plain; charset=utf-8",
      "UPPER.SVG": "image/svg+xml", "blob.bin": "application/octet-stream",
      "noext": "application/octet-stream",
    ]
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    for name in expected.keys { try Data("x".utf8).write(to: folder.appendingPathComponent(name)) }
    let environment = WebEnvironment(
      services: server.services, authenticator: server.authenticator,
      initialConfiguration: server.configuration,
      updates: UpdateChecker(currentVersion: VMSVersion.string, feedURL: { nil }, log: server.log))
    let router = WebServer.makeRouter(
      environment: environment, staticFiles: StaticFiles(directory: folder))
    try await Application(router: router).test(.router) { client in
      for (name, type) in expected {
        let response = try await client.execute(uri: "/" + name, method: .get)
        XCTAssertEqual(response.status, .ok, name)
        XCTAssertEqual(response.headers[.contentType], type, name)
      }
    }
  }
}
