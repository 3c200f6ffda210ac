import XCTest

@testable import WebUI

final class ByteRangeTests: XCTestCase {
  func testNoHeaderMeansWholeFile() {
    XCTAssertEqual(ByteRange.parse(nil, size: 100), .whole)
  }

  func testClosedOpenAndSuffixRanges() {
    XCTAssertEqual(ByteRange.parse("bytes=0-9", size: 100), .partial(0...9))
    XCTAssertEqual(ByteRange.parse("bytes=90-", size: 100), .partial(90...99))
    XCTAssertEqual(ByteRange.parse("bytes=-10", size: 100), .partial(90...99))
    XCTAssertEqual(ByteRange.parse("bytes=-1000", size: 100), .partial(0...99))
    XCTAssertEqual(ByteRange.parse("bytes=50-5000", size: 100), .partial(50...99))
    XCTAssertEqual(ByteRange.parse(" bytes = 1-2 ", size: 100), .whole)  // not the syntax: ignored
    XCTAssertEqual(ByteRange.parse("BYTES=1-2", size: 100), .partial(1...2))
  }

  func testUnsatisfiableRanges() {
    XCTAssertEqual(ByteRange.parse("bytes=100-", size: 100), .unsatisfiable)
    XCTAssertEqual(ByteRange.parse("bytes=200-300", size: 100), .unsatisfiable)
    XCTAssertEqual(ByteRange.parse("bytes=9-1", size: 100), .unsatisfiable)
    XCTAssertEqual(ByteRange.parse("bytes=-0", size: 100), .unsatisfiable)
    XCTAssertEqual(ByteRange.parse("bytes=0-0", size: 0), .unsatisfiable)
    XCTAssertEqual(ByteRange.parse("bytes=abc", size: 100), .unsatisfiable)
    XCTAssertEqual(ByteRange.parse("bytes=-", size: 100), .unsatisfiable)
    XCTAssertEqual(ByteRange.parse("bytes=99999999999999999999-", size: 100), .unsatisfiable)
  }

  func testMultipleRangesAndOtherUnitsGetTheWholeFile() {
    XCTAssertEqual(ByteRange.parse("bytes=0-1,5-6", size: 100), .whole)
    XCTAssertEqual(ByteRange.parse("items=0-1", size: 100), .whole)
  }
}
