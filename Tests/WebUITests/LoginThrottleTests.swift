import Foundation
import NIOCore
import Synchronization
import VMSConfig
import XCTest

@testable import WebUI

final class LoginThrottleTests: XCTestCase {
  func permits(_ throttle: LoginThrottle, _ client: String, _ count: Int) -> [LoginThrottle
    .Decision]
  {
    (0..<count).map { _ in throttle.reserve(for: client) }
  }

  func testTenChecksPerAddressAndMinuteThenRefusedWithTheWait() {
    let clock = TestClock()
    let throttle = LoginThrottle(now: { clock.now })
    for decision in permits(throttle, "192.0.2.1", 10) {
      guard case .granted = decision else { return XCTFail("\(decision)") }
    }
    XCTAssertEqual(throttle.reserve(for: "192.0.2.1"), .refused(retryAfterSeconds: 60))
    clock.advance(20.5)
    XCTAssertEqual(throttle.reserve(for: "192.0.2.1"), .refused(retryAfterSeconds: 40))
    // Another address is not affected.
    guard case .granted = throttle.reserve(for: "192.0.2.2") else { return XCTFail() }
    // A minute after the first checks, their places are free again.
    clock.advance(40)
    for decision in permits(throttle, "192.0.2.1", 10) {
      guard case .granted = decision else { return XCTFail("\(decision)") }
    }
    guard case .refused = throttle.reserve(for: "192.0.2.1") else { return XCTFail() }
  }

  func testTheLimitHoldsUnderParallelReservations() {
    let throttle = LoginThrottle()
    let granted = Shared(0)
    DispatchQueue.concurrentPerform(iterations: 200) { _ in
      if case .granted = throttle.reserve(for: "198.51.100.7") { granted.with { $0 += 1 } }
    }
    XCTAssertEqual(granted.with { $0 }, LoginThrottle.maxChecksPerWindow)
  }

  func testARightPasswordGivesItsPlaceBack() {
    let clock = TestClock()
    let throttle = LoginThrottle(now: { clock.now })
    for _ in 0..<50 {
      guard case .granted(let permit) = throttle.reserve(for: "203.0.113.9") else {
        return XCTFail()
      }
      throttle.succeeded(permit)
    }
    for decision in permits(throttle, "203.0.113.9", 10) {
      guard case .granted = decision else { return XCTFail("\(decision)") }
    }
  }

  func testAddressesAreCountedByHostAndIPv6ByTheirNetwork() throws {
    XCTAssertEqual(
      ClientAddress.key(of: try SocketAddress(ipAddress: "192.0.2.1", port: 1234)), "192.0.2.1")
    XCTAssertEqual(
      ClientAddress.key(of: try SocketAddress(ipAddress: "::ffff:192.0.2.1", port: 1)), "192.0.2.1")
    let a = ClientAddress.key(of: try SocketAddress(ipAddress: "2001:db8:1:2:aaaa::1", port: 1))
    let b = ClientAddress.key(of: try SocketAddress(ipAddress: "2001:db8:1:2:bbbb::2", port: 1))
    let c = ClientAddress.key(of: try SocketAddress(ipAddress: "2001:db8:1:3::1", port: 1))
    XCTAssertEqual(a, "2001:db8:1:2::/64")
    XCTAssertEqual(a, b)
    XCTAssertNotEqual(a, c)
    XCTAssertEqual(ClientAddress.key(of: nil), "unknown")
  }
}

/// A value shared by test tasks.
final class Shared<Value: Sendable>: Sendable {
  let value: Mutex<Value>
  init(_ value: Value) { self.value = Mutex(value) }
  func with<T>(_ body: (inout Value) -> T) -> T { value.withLock { body(&$0) } }
}

final class FairBlockingQueueTests: XCTestCase {
  func testAnotherClientsJobWaitsAtMostOneTurn() async {
    let queue = FairBlockingQueue(label: "test", maxConcurrent: 1)
    let order = Shared<[String]>([])
    await withTaskGroup(of: Void.self) { group in
      // One job runs; five more from "guesser" wait; then one from "admin" arrives.
      for n in 0..<6 {
        group.addTask {
          await queue.run(for: "guesser") {
            Thread.sleep(forTimeInterval: 0.05)
            order.with { $0.append("guesser\(n)") }
          }
        }
      }
      try? await Task.sleep(for: .milliseconds(20))
      group.addTask {
        await queue.run(for: "admin") { order.with { $0.append("admin") } }
      }
    }
    let done = order.with { $0 }
    XCTAssertEqual(done.count, 7)
    let admin = done.firstIndex(of: "admin") ?? 99
    XCTAssertLessThanOrEqual(admin, 1, "the admin waited behind the guesses: \(done)")
  }

  func testNeverMoreThanItsThreadsAtOnce() async {
    let queue = FairBlockingQueue(label: "test", maxConcurrent: 2)
    let running = Shared((now: 0, most: 0))
    await withTaskGroup(of: Void.self) { group in
      for n in 0..<12 {
        group.addTask {
          await queue.run(for: "client\(n % 3)") {
            running.with {
              $0.now += 1
              $0.most = max($0.most, $0.now)
            }
            Thread.sleep(forTimeInterval: 0.01)
            running.with { $0.now -= 1 }
          }
        }
      }
    }
    XCTAssertEqual(running.with { $0.most }, 2)
  }
}

final class SharedPasswordCheckTests: XCTestCase {
  /// bcrypt (cost 4) of "test-password", as in tests/vmstest.py.
  static let hash = "$2b$04$NFEQeFBLtMQnyo7Z/uVHTeusaZdiCQzDUng5Paiul4ye3t6Q2frDK"

  func authenticator() -> Authenticator {
    Authenticator(
      accounts: AccountBook(configured: {
        [UserSettings(name: "admin", passwordHash: Self.hash, role: .admin)]
      }))
  }

  func basic(_ name: String, _ password: String) -> String {
    "Basic " + Data("\(name):\(password)".utf8).base64EncodedString()
  }

  func testConcurrentCallersOfOneKeyShareOneRun() async {
    let flights = SingleFlight<Int>()
    let runs = Shared(0)
    let values = await withTaskGroup(of: Int.self) { group in
      for _ in 0..<100 {
        group.addTask {
          await flights.value(for: "k") {
            runs.with { $0 += 1 }
            try? await Task.sleep(for: .milliseconds(200))
            return 42
          }
        }
      }
      return await group.reduce(into: [Int]()) { $0.append($1) }
    }
    XCTAssertEqual(values, Array(repeating: 42, count: 100))
    XCTAssertEqual(runs.with { $0 }, 1)
    XCTAssertEqual(flights.runningCount, 0, "a finished run is forgotten")
  }

  func test200ParallelRightCredentialsFromOneAddressAreAllAcceptedAndNotCounted() async {
    let auth = authenticator()
    let header = basic("admin", "test-password")
    let callers = await withTaskGroup(of: Authenticator.Caller.self) { group in
      for _ in 0..<200 {
        group.addTask { await auth.caller(headers: [.authorization: header], client: "192.0.2.1") }
      }
      return await group.reduce(into: [Authenticator.Caller]()) { $0.append($1) }
    }
    XCTAssertEqual(
      callers.filter { $0 == .user(SignedInUser(name: "admin", role: .admin)) }.count, 200)
    // Nothing was counted against the address.
    for _ in 0..<LoginThrottle.maxChecksPerWindow {
      guard case .granted = auth.throttle.reserve(for: "192.0.2.1") else { return XCTFail() }
    }
  }

  func testParallelWrongPasswordsGetTenChecksAndTheRestAreRefusedAtOnce() async {
    let auth = authenticator()
    let results = await withTaskGroup(of: Authenticator.PasswordCheck.self) { group in
      for n in 0..<40 {
        group.addTask {
          await auth.verify(name: "admin", password: "guess-\(n)", client: "192.0.2.9")
        }
      }
      return await group.reduce(into: [Authenticator.PasswordCheck]()) { $0.append($1) }
    }
    let rejected = results.filter { if case .rejected = $0 { true } else { false } }.count
    let throttled = results.filter { if case .throttled = $0 { true } else { false } }.count
    XCTAssertEqual(rejected, LoginThrottle.maxChecksPerWindow)
    XCTAssertEqual(throttled, 40 - LoginThrottle.maxChecksPerWindow)
    // The right password from another address is still accepted.
    guard
      case .accepted = await auth.verify(
        name: "admin", password: "test-password", client: "192.0.2.10")
    else {
      return XCTFail()
    }
  }
}
