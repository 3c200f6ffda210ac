import XCTest
final class WebUIPlaceholderTests: XCTestCase { func testNothing() {} }
