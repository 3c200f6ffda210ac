import Foundation
import XCTest

@testable import WebUI

/// Sessions kept in DATA/auth/sessions.json: a restart (a new store on the same file) keeps them,
/// and the file never holds a usable token.
final class SessionPersistenceTests: XCTestCase {
  private var directory = ""

  override func setUpWithError() throws {
    directory = NSTemporaryDirectory() + "vms-sessions-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(atPath: directory)
  }

  private var path: String { SessionFile.path(dataDirectory: directory) }

  private func store(_ clock: TestClock? = nil, lifetime: TimeInterval = 7 * 24 * 3600)
    -> SessionStore
  {
    let now: @Sendable () -> Date = if let clock { { clock.now } } else { Date.init }
    return SessionStore(lifetime: lifetime, file: SessionFile(path: path), now: now)
  }

  func testASessionSurvivesARestartAndSignOutToo() throws {
    let first = store()
    let kept = first.create(userName: "admin", credential: "stamp-a")
    let signedOut = first.create(userName: "viewer1", credential: "stamp-b")
    first.remove(token: signedOut)
    first.flush()

    let second = store()
    XCTAssertEqual(second.holder(of: kept), .init(userName: "admin", credential: "stamp-a"))
    XCTAssertNil(second.holder(of: signedOut), "a signed-out session came back after the restart")
    XCTAssertEqual(second.count, 1)
  }

  func testTheFileHoldsNoTokenAndOnlyItsOwnerReadsIt() throws {
    let sessions = store()
    let token = sessions.create(userName: "admin", credential: "stamp")
    sessions.flush()
    let text = try String(contentsOfFile: path, encoding: .utf8)
    XCTAssertFalse(text.contains(token), "the raw session token is on disk")
    XCTAssertTrue(text.contains(Digest.sha256Hex(token)))
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
    XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".tmp"))
  }

  func testExpiredSessionsAreNotLoaded() throws {
    let clock = TestClock()
    let first = store(clock, lifetime: 100)
    let old = first.create(userName: "admin", credential: "s")
    clock.advance(60)
    let fresh = first.create(userName: "admin", credential: "s")
    first.flush()
    clock.advance(50)  // `old` expired 10 s ago, `fresh` has 50 s left
    let second = store(clock, lifetime: 100)
    XCTAssertNil(second.holder(of: old))
    XCTAssertNotNil(second.holder(of: fresh))
  }

  func testSlidingExpiryIsSavedAtMostHourly() throws {
    let clock = TestClock()
    let first = store(clock, lifetime: 7200)
    let token = first.create(userName: "admin", credential: "s")
    first.flush()
    let written = try Data(contentsOf: URL(fileURLWithPath: path))
    clock.advance(60)
    XCTAssertNotNil(first.holder(of: token))
    first.flush()
    XCTAssertEqual(
      try Data(contentsOf: URL(fileURLWithPath: path)), written, "a request rewrote the file")
    clock.advance(SessionStore.saveEvery)
    XCTAssertNotNil(first.holder(of: token))
    first.flush()
    // Used an hour later: the later expiry is on disk, so a restart 1.5 h after that keeps it
    // (the first expiry would have passed).
    clock.advance(5400)
    XCTAssertNotNil(store(clock, lifetime: 7200).holder(of: token))
  }

  func testAnUnreadableFileStartsEmptyAndIsReplaced() throws {
    try FileManager.default.createDirectory(
      atPath: directory + "/auth", withIntermediateDirectories: true)
    try Data("{not json".utf8).write(to: URL(fileURLWithPath: path))
    let sessions = store()
    XCTAssertEqual(sessions.count, 0)
    let token = sessions.create(userName: "admin", credential: "s")
    sessions.flush()
    XCTAssertNotNil(store().holder(of: token))
  }

  func testTheStampFollowsThePasswordHash() {
    let a = SessionStore.credentialStamp(passwordHash: "$2b$12$aaaa")
    XCTAssertEqual(a, SessionStore.credentialStamp(passwordHash: "$2b$12$aaaa"))
    XCTAssertNotEqual(a, SessionStore.credentialStamp(passwordHash: "$2b$12$aaab"))
    XCTAssertEqual(a.count, 16)
  }
}
