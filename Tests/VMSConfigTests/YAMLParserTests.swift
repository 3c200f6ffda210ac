// The YAML node tree: positions, styles, aliases, and refusals.

import VMSConfig
import XCTest

final class YAMLParserTests: XCTestCase {
  func testNodesKeepTheirPositions() throws {
    let root = try XCTUnwrap(
      YAMLParser.parse(
        """
        # comment
        server:
          listen: "127.0.0.1:8080"   # trailing comment
        users: [ { name: ann }, 'bob' ]
        """))
    guard case .mapping(let top) = root.content else { return XCTFail("root should be a mapping") }
    XCTAssertEqual(top.map(\.key.scalar), ["server", "users"])
    XCTAssertEqual(top[0].key.start, YAMLMark(line: 2, column: 1, offset: 10))
    guard case .mapping(let server) = top[0].value.content else {
      return XCTFail("server should be a mapping")
    }
    XCTAssertEqual(server[0].value.content, .scalar("127.0.0.1:8080", .doubleQuoted))
    XCTAssertEqual(server[0].value.start.line, 3)
    XCTAssertEqual(server[0].value.start.column, 11)
    XCTAssertEqual(server[0].value.end.column, 27)
    let users = top[1].value
    XCTAssertTrue(users.isFlow)
    guard case .sequence(let items) = users.content else {
      return XCTFail("users should be a list")
    }
    XCTAssertEqual(items.count, 2)
    XCTAssertEqual(items[0].start, YAMLMark(line: 4, column: 10, offset: 75))
    XCTAssertEqual(items[1].content, .scalar("bob", .singleQuoted))
  }

  func testColumnsCountCharactersNotBytes() throws {
    let root = try XCTUnwrap(YAMLParser.parse("é: { ü: x }\n"))
    guard case .mapping(let pairs) = root.content, case .mapping(let inner) = pairs[0].value.content
    else {
      return XCTFail("expected nested mappings")
    }
    XCTAssertEqual(inner[0].key.start.column, 6)
  }

  func testNullsAndQuotedNulls() throws {
    let root = try XCTUnwrap(YAMLParser.parse("a:\nb: ~\nc: null\nd: \"null\"\ne: ''\n"))
    guard case .mapping(let pairs) = root.content else { return XCTFail("expected a mapping") }
    XCTAssertEqual(pairs.map(\.value.isNull), [true, true, true, false, false])
  }

  func testAliasesCopyTheAnchoredNode() throws {
    let root = try XCTUnwrap(YAMLParser.parse("a: &x [1, 2]\nb: *x\n"))
    guard case .mapping(let pairs) = root.content else { return XCTFail("expected a mapping") }
    XCTAssertEqual(pairs[1].value.content, pairs[0].value.content)
  }

  func testAliasBombIsRefused() {
    var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
    for level in 1...8 {
      let previous = "*a\(level - 1)"
      text +=
        "a\(level): &a\(level) [\(Array(repeating: previous, count: 10).joined(separator: ", "))]\n"
    }
    XCTAssertThrowsError(try YAMLParser.parse(text)) { error in
      XCTAssertTrue((error as? YAMLSyntaxError)?.message.contains("too many") == true, "\(error)")
    }
  }

  func testInvalidUTF8IsASyntaxErrorWithAPosition() {
    XCTAssertThrowsError(try YAMLParser.parse(bytes: Array("a: b\nc: ".utf8) + [0xFF, 0x0A])) {
      error in
      let syntax = error as? YAMLSyntaxError
      XCTAssertEqual(syntax?.mark.line, 2)
      XCTAssertEqual(syntax?.mark.column, 4)
    }
  }

  func testEmptyTextHasNoDocument() throws {
    XCTAssertNil(try YAMLParser.parse(""))
    XCTAssertNil(try YAMLParser.parse("# nothing\n"))
  }
}
