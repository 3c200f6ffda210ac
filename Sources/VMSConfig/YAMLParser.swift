// YAMLParser: text to a YAMLNode tree through libyaml's event API.
//
// The event API (rather than libyaml's document API) is used because events carry start and end
// marks for every node, and building our own tree lets aliases be bounded against "billion laughs".

import CYaml

public enum YAMLParser {
  /// Aliases are copied into the tree; past this many copied nodes the text is refused, so a few
  /// lines of nested aliases cannot make the process build a tree of billions of nodes.
  static let aliasNodeBudget = 100_000

  /// Parses a single-document YAML text. Returns nil when the text holds no document (empty, or
  /// only comments).
  public static func parse(_ text: String) throws(YAMLSyntaxError) -> YAMLNode? {
    try parse(bytes: Array(text.utf8))
  }

  /// Parses raw bytes (UTF-8, or UTF-16 with a byte-order mark): encoding errors are reported with
  /// their position like any other syntax error.
  public static func parse(bytes: [UInt8]) throws(YAMLSyntaxError) -> YAMLNode? {
    if bytes.isEmpty { return nil }
    let outcome: Result<YAMLNode?, YAMLSyntaxError> = bytes.withUnsafeBufferPointer { buffer in
      var parser = yaml_parser_t()
      guard yaml_parser_initialize(&parser) == 1 else {
        return .failure(
          YAMLSyntaxError(
            message: "cannot start the YAML parser (out of memory)", hint: "retry",
            mark: YAMLMark(line: 1, column: 1)))
      }
      defer { yaml_parser_delete(&parser) }
      yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
      var builder = TreeBuilder()
      while true {
        var event = yaml_event_t()
        guard yaml_parser_parse(&parser, &event) == 1 else {
          return .failure(syntaxError(parser, bytes: buffer))
        }
        defer { yaml_event_delete(&event) }
        do throws(YAMLSyntaxError) {
          if try builder.consume(event) { return .success(builder.root) }
        } catch {
          return .failure(error)
        }
      }
    }
    return try outcome.get()
  }

  private static func syntaxError(_ parser: yaml_parser_t, bytes: UnsafeBufferPointer<UInt8>)
    -> YAMLSyntaxError
  {
    let problem = parser.problem.map { String(cString: $0) } ?? "unknown error"
    if parser.error == YAML_READER_ERROR {
      // Reader errors carry a byte offset rather than a mark.
      let mark = markForByteOffset(parser.problem_offset, in: bytes)
      return YAMLSyntaxError(
        message: "YAML syntax error: \(problem)",
        hint: "save the file as UTF-8 text without control characters", mark: mark)
    }
    let mark = YAMLMark(parser.problem_mark)
    var message = "YAML syntax error: \(problem)"
    if let context = parser.context.map({ String(cString: $0) }) {
      let contextMark = YAMLMark(parser.context_mark)
      message += " (\(context) started at line \(contextMark.line), column \(contextMark.column))"
    }
    return YAMLSyntaxError(
      message: message, hint: hint(forProblem: problem, at: mark, bytes: bytes), mark: mark)
  }

  private static func hint(
    forProblem problem: String, at mark: YAMLMark, bytes: UnsafeBufferPointer<UInt8>
  ) -> String {
    if lineHasTab(mark.line, bytes: bytes) {
      return "YAML does not allow tabs for indentation: indent with spaces"
    }
    if problem.contains("mapping values are not allowed") {
      return
        "a value that contains \": \" must be quoted, or the indentation is wrong just before here"
    }
    if problem.contains("did not find expected key") || problem.contains("block end") {
      return "check the indentation: the keys of one block must start in the same column"
    }
    if problem.contains("cannot start any token") {
      return "values starting with @, ` or % must be quoted"
    }
    if problem.contains("quoted scalar") {
      return "close the quote that starts here, on the same value"
    }
    if problem.contains("flow") {
      return "check that every { has its } and every [ its ], with commas between the items"
    }
    return "check the indentation and quoting around this place"
  }

  private static func lineHasTab(_ line: Int, bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    var current = 1
    for byte in bytes {
      if byte == UInt8(ascii: "\n") {
        current += 1
        if current > line { return false }
      } else if current == line && byte == UInt8(ascii: "\t") {
        return true
      }
    }
    return false
  }

  private static func markForByteOffset(_ offset: Int, in bytes: UnsafeBufferPointer<UInt8>)
    -> YAMLMark
  {
    var line = 1
    var column = 1
    var scalars = 0
    for byte in bytes.prefix(offset) {
      if byte == UInt8(ascii: "\n") {
        line += 1
        column = 1
      } else if byte & 0xC0 != 0x80 {
        column += 1
      }
      if byte & 0xC0 != 0x80 { scalars += 1 }
    }
    return YAMLMark(line: line, column: column, offset: scalars)
  }
}

extension YAMLMark {
  init(_ mark: yaml_mark_t) {
    self.init(line: mark.line + 1, column: mark.column + 1, offset: mark.index)
  }
}

/// Turns the event stream into nodes: an open collection per level, closed on its end event.
private struct TreeBuilder {
  struct OpenCollection {
    var isMapping: Bool
    var isFlow: Bool
    var start: YAMLMark
    var anchor: String?
    var tag: String?
    var children: [YAMLNode] = []
  }

  var stack: [OpenCollection] = []
  var anchors: [String: YAMLNode] = [:]
  var aliasBudget = YAMLParser.aliasNodeBudget
  var root: YAMLNode?
  var documents = 0

  /// Returns true once the stream has ended.
  mutating func consume(_ event: yaml_event_t) throws(YAMLSyntaxError) -> Bool {
    let start = YAMLMark(event.start_mark)
    let end = YAMLMark(event.end_mark)
    switch event.type {
    case YAML_STREAM_END_EVENT:
      return true
    case YAML_DOCUMENT_START_EVENT:
      documents += 1
      if documents > 1 {
        throw YAMLSyntaxError(
          message: "YAML syntax error: a second document starts here",
          hint: "keep the whole configuration in one document: remove this '---' line", mark: start)
      }
    case YAML_SCALAR_EVENT:
      let data = event.data.scalar
      let text = String(
        decoding: UnsafeBufferPointer(start: data.value, count: data.length), as: UTF8.self)
      let style: YAMLNode.ScalarStyle
      switch data.style {
      case YAML_SINGLE_QUOTED_SCALAR_STYLE: style = .singleQuoted
      case YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .doubleQuoted
      case YAML_LITERAL_SCALAR_STYLE: style = .literal
      case YAML_FOLDED_SCALAR_STYLE: style = .folded
      default: style = .plain
      }
      let node = YAMLNode(
        content: .scalar(text, style), start: start, end: end, anchor: string(data.anchor),
        tag: string(data.tag))
      add(node)
    case YAML_SEQUENCE_START_EVENT:
      let data = event.data.sequence_start
      stack.append(
        OpenCollection(
          isMapping: false, isFlow: data.style == YAML_FLOW_SEQUENCE_STYLE, start: start,
          anchor: string(data.anchor), tag: string(data.tag)))
    case YAML_MAPPING_START_EVENT:
      let data = event.data.mapping_start
      stack.append(
        OpenCollection(
          isMapping: true, isFlow: data.style == YAML_FLOW_MAPPING_STYLE, start: start,
          anchor: string(data.anchor), tag: string(data.tag)))
    case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
      guard let open = stack.popLast() else { break }
      let content: YAMLNode.Content
      if open.isMapping {
        var pairs: [YAMLPair] = []
        pairs.reserveCapacity(open.children.count / 2)
        var index = 0
        while index + 1 < open.children.count {
          pairs.append(YAMLPair(key: open.children[index], value: open.children[index + 1]))
          index += 2
        }
        content = .mapping(pairs)
      } else {
        content = .sequence(open.children)
      }
      add(
        YAMLNode(
          content: content, start: open.start, end: end, isFlow: open.isFlow, anchor: open.anchor,
          tag: open.tag))
    case YAML_ALIAS_EVENT:
      let name = string(event.data.alias.anchor) ?? ""
      guard var node = anchors[name] else {
        throw YAMLSyntaxError(
          message: "YAML syntax error: unknown alias *\(name)",
          hint: "define the anchor &\(name) before this line, or fix the name", mark: start)
      }
      aliasBudget -= node.nodeCount
      if aliasBudget < 0 {
        throw YAMLSyntaxError(
          message: "YAML syntax error: aliases expand to too many nodes",
          hint: "use fewer nested aliases", mark: start)
      }
      // The copy keeps the positions of its definition, which is where a bad value must be fixed.
      node.anchor = nil
      add(node)
    default:
      break
    }
    return false
  }

  private mutating func add(_ node: YAMLNode) {
    if let anchor = node.anchor { anchors[anchor] = node }
    if stack.isEmpty {
      root = node
    } else {
      stack[stack.count - 1].children.append(node)
    }
  }

  private func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
    guard let pointer else { return nil }
    return String(cString: pointer)
  }
}
