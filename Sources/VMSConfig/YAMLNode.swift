// YAMLNode: one node of a parsed YAML document, with the place it was written.
//
// Positions are kept on every node because error messages need them now and rewriting the file
// (camera management through the API) needs them later: a rewrite can splice text between `start`
// and `end` and leave the user's comments and layout untouched everywhere else.

/// A position in the source text. `line` and `column` are 1-based; `offset` counts Unicode scalars
/// from the start of the text (libyaml's own unit), 0-based.
public struct YAMLMark: Sendable, Equatable, Hashable {
  public var line: Int
  public var column: Int
  public var offset: Int

  public init(line: Int, column: Int, offset: Int = 0) {
    self.line = line
    self.column = column
    self.offset = offset
  }
}

/// A key and its value inside a mapping, in file order.
public struct YAMLPair: Sendable, Equatable {
  public var key: YAMLNode
  public var value: YAMLNode

  public init(key: YAMLNode, value: YAMLNode) {
    self.key = key
    self.value = value
  }
}

public struct YAMLNode: Sendable, Equatable {
  public enum ScalarStyle: Sendable, Equatable {
    case plain, singleQuoted, doubleQuoted, literal, folded
  }

  public enum Content: Sendable, Equatable {
    case scalar(String, ScalarStyle)
    /// Pairs in file order, duplicates included: the reader of the tree decides what a duplicate means.
    case mapping([YAMLPair])
    case sequence([YAMLNode])
  }

  public var content: Content
  public var start: YAMLMark
  public var end: YAMLMark
  /// `{ ... }` or `[ ... ]` rather than indented block style.
  public var isFlow: Bool
  public var anchor: String?
  public var tag: String?

  public init(
    content: Content, start: YAMLMark, end: YAMLMark, isFlow: Bool = false, anchor: String? = nil,
    tag: String? = nil
  ) {
    self.content = content
    self.start = start
    self.end = end
    self.isFlow = isFlow
    self.anchor = anchor
    self.tag = tag
  }

  /// The text of a scalar node, nil for mappings and sequences.
  public var scalar: String? {
    if case .scalar(let text, _) = content { return text }
    return nil
  }

  /// True for an unquoted, untagged scalar that YAML reads as null (`key:` with nothing, `~`, `null`).
  public var isNull: Bool {
    guard tag == nil, case .scalar(let text, .plain) = content else { return false }
    return text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL"
  }

  /// How many nodes this one holds, itself included: bounds what an alias may expand to.
  var nodeCount: Int {
    switch content {
    case .scalar: return 1
    case .sequence(let items): return items.reduce(1) { $0 + $1.nodeCount }
    case .mapping(let pairs): return pairs.reduce(1) { $0 + $1.key.nodeCount + $1.value.nodeCount }
    }
  }

  /// Words for messages such as "expected a number, found a list".
  var kindDescription: String {
    switch content {
    case .scalar: return isNull ? "nothing" : "text"
    case .mapping: return "a mapping"
    case .sequence: return "a list"
    }
  }
}
