import NIOCore
import XCTest

@testable import WebUI

final class RequestHeadScannerTests: XCTestCase {
  let limits = RequestHeadLimits(maxRequestLineBytes: 32, maxHeaderBytes: 64)

  func scan(_ text: String, in pieces: Int = 1) -> RequestHeadScanner.Verdict {
    var scanner = RequestHeadScanner(limits: limits)
    let bytes = Array(text.utf8)
    let size = max(1, bytes.count / pieces)
    var offset = 0
    var verdict = RequestHeadScanner.Verdict.needMore
    while offset < bytes.count {
      let piece = bytes[offset..<min(bytes.count, offset + size)]
      verdict = scanner.scan(piece)
      if case .endsAfter(let count) = verdict { return .endsAfter(byteCount: offset + count) }
      if case .refused = verdict { return verdict }
      offset += piece.count
    }
    return verdict
  }

  func testFindsTheEndOfAHeadWhateverTheReads() {
    let head = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
    for pieces in [1, 2, 5, head.utf8.count] {
      XCTAssertEqual(
        scan(head + "BODY", in: pieces), .endsAfter(byteCount: head.utf8.count), "\(pieces) pieces")
    }
    XCTAssertEqual(
      scan("GET /a HTTP/1.1\nHost: x\n\n"), .endsAfter(byteCount: 25), "bare LF line ends")
    XCTAssertEqual(
      scan("\r\nGET /a HTTP/1.0\r\n\r\n"), .endsAfter(byteCount: 21), "empty line first, no headers"
    )
    XCTAssertEqual(scan("GET /a HTTP/1.1\r\nHost: x\r\n"), .needMore)
  }

  func testTheRequestLineLimitCountsItsLineEnd() {
    let thirtyBytes = "GET /" + String(repeating: "a", count: 16) + " HTTP/1.1"  // 30 bytes
    XCTAssertEqual(scan(thirtyBytes + "\r\n\r\n"), .endsAfter(byteCount: 34))
    XCTAssertEqual(scan(thirtyBytes + "a\r\n\r\n"), .refused(.requestLineTooLong(maxBytes: 32)))
    // Refused as soon as the limit is passed, without waiting for the line's end.
    XCTAssertEqual(
      scan("GET /" + String(repeating: "a", count: 100)),
      .refused(.requestLineTooLong(maxBytes: 32)))
  }

  func testTheHeaderLimitCountsEveryHeaderLine() {
    let line = "GET / HTTP/1.1\r\n"
    // 62 bytes, + the blank line = 64.
    let sixtyTwo = "X: " + String(repeating: "v", count: 57) + "\r\n"
    XCTAssertEqual(scan(line + sixtyTwo + "\r\n"), .endsAfter(byteCount: line.utf8.count + 64))
    XCTAssertEqual(scan(line + "Y" + sixtyTwo + "\r\n"), .refused(.headersTooLarge(maxBytes: 64)))
    XCTAssertEqual(
      scan(line + String(repeating: "A: b\r\n", count: 20), in: 7),
      .refused(.headersTooLarge(maxBytes: 64)))
  }

  func testARefusalIsAShortJSONAnswerThatClosesTheConnection() {
    let answer = RequestRefusal.requestLineTooLong(maxBytes: 8192).response(
      allocator: ByteBufferAllocator())
    let text = String(buffer: answer)
    XCTAssertTrue(text.hasPrefix("HTTP/1.1 414 URI Too Long\r\n"), text)
    XCTAssertTrue(text.contains("\r\nConnection: close\r\n"), text)
    XCTAssertTrue(text.contains("\r\nContent-Type: application/json; charset=utf-8\r\n"), text)
    let body = text.components(separatedBy: "\r\n\r\n")[1]
    XCTAssertTrue(text.contains("Content-Length: \(body.utf8.count)\r\n"), text)
    XCTAssertTrue(body.hasPrefix(#"{"error":"the request line is longer than 8192 bytes"#), body)
    XCTAssertEqual(RequestRefusal.headersTooLarge(maxBytes: 1).statusCode, 431)
  }
}
