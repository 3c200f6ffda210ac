import Foundation
import XCTest

@testable import WebUI

/// A clock tests move by hand.
final class TestClock: @unchecked Sendable {
  private let lock = NSLock()
  private var value = Date(timeIntervalSince1970: 1_800_000_000)
  var now: Date {
    lock.lock()
    defer { lock.unlock() }
    return value
  }
  func advance(_ seconds: TimeInterval) {
    lock.lock()
    value += seconds
    lock.unlock()
  }
}

final class SessionStoreTests: XCTestCase {
  func testTokensAreRandom256BitHex() {
    let store = SessionStore()
    let a = store.create(userName: "admin", credential: "stamp")
    let b = store.create(userName: "admin", credential: "stamp")
    XCTAssertNotEqual(a, b)
    XCTAssertEqual(a.count, 64)
    XCTAssertTrue(a.allSatisfy { $0.isHexDigit && !$0.isUppercase })
  }

  func testExpirySlidesWithUse() {
    let clock = TestClock()
    let store = SessionStore(lifetime: 100, now: { clock.now })
    let token = store.create(userName: "viewer1", credential: "stamp")
    clock.advance(90)
    XCTAssertEqual(store.userName(for: token), "viewer1")
    clock.advance(90)  // 180 s after creation, 90 s after the last use
    XCTAssertEqual(store.userName(for: token), "viewer1")
    clock.advance(101)
    XCTAssertNil(store.userName(for: token))
    XCTAssertEqual(store.count, 0, "an expired session is forgotten")
  }

  func testRemoveSignsOut() {
    let store = SessionStore()
    let token = store.create(userName: "admin", credential: "stamp")
    store.remove(token: token)
    XCTAssertNil(store.userName(for: token))
    XCTAssertNil(store.userName(for: "not-a-token"))
  }

  func testTheSessionTokenIsTakenOnlyFromAWellFormedVmsSessionCookie() {
    let token = String(repeating: "ab", count: 32)
    XCTAssertEqual(SessionCookie.token(of: [.cookie: "a=1; vms_session=\(token); b=2"]), token)
    XCTAssertEqual(SessionCookie.token(of: [.cookie: "vms_session=\(token)"]), token)
    XCTAssertNil(SessionCookie.token(of: [.cookie: "vms_session=../../etc"]))
    XCTAssertNil(SessionCookie.token(of: [.cookie: "vms_session=\(token.uppercased())"]))
    XCTAssertNil(SessionCookie.token(of: [.cookie: "xvms_session=\(token)"]))
    XCTAssertNil(SessionCookie.token(of: [:]))
  }

  func testBasicCacheHoldsNoPasswordAndFollowsTheHash() {
    let clock = TestClock()
    let cache = BasicCredentialCache(lifetime: 60, now: { clock.now })
    let header = "Basic " + Data("admin:secret".utf8).base64EncodedString()
    cache.remember(header: header, userName: "admin", passwordHash: "$2b$hash1")
    XCTAssertEqual(cache.userName(forHeader: header, currentHash: { _ in "$2b$hash1" }), "admin")
    XCTAssertNil(cache.userName(forHeader: header, currentHash: { _ in "$2b$changed" }))
    XCTAssertNil(cache.userName(forHeader: header + "x", currentHash: { _ in "$2b$hash1" }))
    clock.advance(61)
    XCTAssertNil(cache.userName(forHeader: header, currentHash: { _ in "$2b$hash1" }))
    XCTAssertFalse(BasicCredentialCache.key(ofHeader: header).contains("secret"))
  }

  /// DATA/auth/sessions.json holds these digests: their form must not change between versions.
  func testDigestsAreLowercaseHexOfSHA256() {
    XCTAssertEqual(
      Digest.sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    XCTAssertEqual(
      Digest.sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
  }
}

final class OriginCheckTests: XCTestCase {
  func testSameOriginIsAllowed() {
    XCTAssertTrue(
      OriginCheck.isSameOrigin(
        origin: "http://127.0.0.1:8080", referer: nil, host: "127.0.0.1:8080"))
    XCTAssertTrue(
      OriginCheck.isSameOrigin(origin: "http://NVR.local", referer: nil, host: "nvr.local:80"))
    XCTAssertTrue(
      OriginCheck.isSameOrigin(origin: "https://nvr.local", referer: nil, host: "nvr.local"))
    XCTAssertTrue(
      OriginCheck.isSameOrigin(
        origin: nil, referer: "http://nvr.local:8080/timeline.html?x=1", host: "nvr.local:8080"))
  }

  func testClientsWithoutOriginOrRefererAreAllowed() {
    XCTAssertTrue(OriginCheck.isSameOrigin(origin: nil, referer: nil, host: "nvr.local"))
  }

  func testOtherOriginsAreRefused() {
    XCTAssertFalse(
      OriginCheck.isSameOrigin(origin: "http://evil.example", referer: nil, host: "nvr.local"))
    XCTAssertFalse(
      OriginCheck.isSameOrigin(
        origin: "http://nvr.local:8081", referer: nil, host: "nvr.local:8080"))
    XCTAssertFalse(OriginCheck.isSameOrigin(origin: "null", referer: nil, host: "nvr.local"))
    XCTAssertFalse(
      OriginCheck.isSameOrigin(
        origin: "http://nvr.local.evil.example", referer: nil, host: "nvr.local"))
    XCTAssertFalse(
      OriginCheck.isSameOrigin(
        origin: nil, referer: "http://evil.example/nvr.local", host: "nvr.local"))
    XCTAssertFalse(
      OriginCheck.isSameOrigin(
        origin: "http://nvr.local@evil.example", referer: nil, host: "nvr.local"))
    XCTAssertFalse(OriginCheck.isSameOrigin(origin: "http://nvr.local", referer: nil, host: nil))
    // Origin wins over Referer.
    XCTAssertFalse(
      OriginCheck.isSameOrigin(
        origin: "http://evil.example", referer: "http://nvr.local/", host: "nvr.local"))
  }
}
