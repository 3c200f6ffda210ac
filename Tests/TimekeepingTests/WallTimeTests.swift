import Foundation
import Timekeeping
import XCTest

final class WallTimeTests: XCTestCase {
  func testADateIsRoundedToTheNearestMillisecond() {
    XCTAssertEqual(WallTime(Date(timeIntervalSince1970: 1.2344)).sinceEpochMs, 1234)
    XCTAssertEqual(WallTime(Date(timeIntervalSince1970: 1.2346)).sinceEpochMs, 1235)
    XCTAssertEqual(
      WallTime(sinceEpochMs: 1_796_684_122_990).date.timeIntervalSince1970, 1_796_684_122.99)
  }

  func testTheWholeSecondIsTheOneAtOrBeforeEvenBefore1970() {
    XCTAssertEqual(WallTime(sinceEpochMs: 1999).flooredToSecond.sinceEpochMs, 1000)
    XCTAssertEqual(WallTime(sinceEpochMs: 2000).flooredToSecond.sinceEpochMs, 2000)
    XCTAssertEqual(WallTime(sinceEpochMs: -1).flooredToSecond.sinceEpochMs, -1000)
    XCTAssertEqual(WallTime(sinceEpochMs: -1000).flooredToSecond.sinceEpochMs, -1000)
  }

  func testNowIsTheSystemClock() {
    let before = Date()
    let now = WallTime.now()
    XCTAssertLessThanOrEqual(abs(now.date.timeIntervalSince(before)), 1)
    XCTAssertEqual(now.adding(ms: 1500).ms(since: now), 1500)
    XCTAssertLessThan(now, now.adding(ms: 1))
  }

  func testDurationsInSecondsBecomeWholeMilliseconds() {
    XCTAssertEqual(Milliseconds.of(seconds: 9.2004), 9200)
    XCTAssertEqual(Milliseconds.of(seconds: 0.0005), 1)
    XCTAssertEqual(Milliseconds.seconds(1500), 1.5)
  }
}
