// ConfigKeyEditor: applies `CameraKeyEdit`s to one camera's block of the configuration text, in
// place. A changed value replaces the written one where it stands (its quoting style, its line and
// the comment after it kept), a new key goes at the end of its block (or inside its `{ ... }`), a
// removed key takes its own lines with it. Every other character of the file stays as it was.
//
// It works on the text as Unicode scalars at the offsets libyaml gives every node (`YAMLMark.offset`
// counts scalars), and parses the text again after each edit, so each edit sees exact positions.
// What a camera takes from a YAML anchor (`<<: *defaults`, `detector: *fast`) is shared with other
// cameras: it is never edited there. A changed block is copied into the camera with its values,
// then changed; a changed single value is written in the camera, where it wins over the anchor.

enum ConfigKeyEditor {
  static func apply(_ edits: [CameraKeyEdit], camera id: String, in text: String)
    throws(ConfigEditError)
    -> String
  {
    var text = text
    for edit in edits where !edit.path.isEmpty {
      var source = EditableText(text)
      let camera = try cameraMapping(id, in: text)
      try source.apply(edit, below: camera, path: edit.path[...])
      text = source.text
    }
    return text
  }

  /// The mapping of camera `id` as written in the file.
  private static func cameraMapping(_ id: String, in text: String) throws(ConfigEditError)
    -> YAMLNode
  {
    let root = try ConfigEditError.parsedForEdit(text)
    guard case .mapping(let sections)? = root?.content,
      let cameras = sections.last(where: { $0.key.scalar == "cameras" })?.value,
      case .mapping(let pairs) = cameras.content,
      let camera = pairs.last(where: { $0.key.scalar == id })
    else { throw ConfigEditError("camera \(id) is not in the configuration file") }
    guard camera.value.start.offset >= camera.key.end.offset, case .mapping = camera.value.content
    else {
      throw ConfigEditError(
        "cameras.\(id) is not written as its own block of settings (an alias?): write its settings out to edit it from the UI"
      )
    }
    return camera.value
  }
}

/// A value still to be written: scalar text ready for the file, or a mapping of them.
indirect enum YAMLPiece: Equatable {
  case text(String)
  case mapping([Entry])

  struct Entry: Equatable {
    var key: String
    var value: YAMLPiece
  }

  /// Applies the part of `edit` below this piece (`path` relative to it).
  mutating func apply(_ edit: CameraKeyEdit, path: ArraySlice<String>) {
    guard let key = path.first else { return }
    var entries: [Entry] = []
    if case .mapping(let existing) = self { entries = existing }
    let index = entries.firstIndex { $0.key == key }
    let rest = path.dropFirst()
    if rest.isEmpty {
      switch edit {
      case .set(_, let value):
        let text = YAMLPiece.text(YAMLScalarText.text(value))
        if let index {
          entries[index].value = text
        } else {
          entries.append(Entry(key: key, value: text))
        }
      case .remove:
        if let index { entries.remove(at: index) }
      }
    } else {
      if index == nil, case .remove = edit { return }
      var child = index.map { entries[$0].value } ?? .mapping([])
      child.apply(edit, path: rest)
      if let index {
        entries[index].value = child
      } else {
        entries.append(Entry(key: key, value: child))
      }
    }
    self = .mapping(entries)
  }

  /// `{ key: value, ... }`: fits wherever a value goes, in block or flow context.
  var flowText: String {
    switch self {
    case .text(let text): return text
    case .mapping(let entries) where entries.isEmpty: return "{}"
    case .mapping(let entries):
      return "{ "
        + entries.map { "\(YAMLScalarText.key($0.key)): \($0.value.flowText)" }.joined(
          separator: ", ") + " }"
    }
  }

  /// `key: value` lines of an indented block.
  func blockLines(key: String, indent: Int) -> [String] {
    let pad = String(repeating: " ", count: indent)
    switch self {
    case .text(let text): return ["\(pad)\(YAMLScalarText.key(key)): \(text)"]
    case .mapping(let entries) where entries.isEmpty:
      return ["\(pad)\(YAMLScalarText.key(key)): {}"]
    case .mapping(let entries):
      return ["\(pad)\(YAMLScalarText.key(key)):"]
        + entries.flatMap { $0.value.blockLines(key: $0.key, indent: indent + 2) }
    }
  }
}

/// The configuration text being edited, with the splicing operations the editor needs.
private struct EditableText {
  private var scalars: [Unicode.Scalar]

  init(_ text: String) { scalars = Array(text.unicodeScalars) }

  var text: String {
    var view = String.UnicodeScalarView()
    view.append(contentsOf: scalars)
    return String(view)
  }

  // MARK: Walking down to the key

  private enum Found {
    case written(YAMLPair)
    /// Not written in this mapping but merged into it from an anchor (`<<: *defaults`).
    case merged(YAMLNode)
    case absent
  }

  private static func isMergeKey(_ key: YAMLNode) -> Bool {
    if case .scalar("<<", .plain) = key.content { return true }
    return false
  }

  private static func mergeSources(_ node: YAMLNode) -> [YAMLNode] {
    switch node.content {
    case .mapping: return [node]
    case .sequence(let items):
      return items.filter { if case .mapping = $0.content { true } else { false } }
    case .scalar: return []
    }
  }

  private static func lookup(_ key: String, in node: YAMLNode) -> Found {
    guard case .mapping(let pairs) = node.content else { return .absent }
    if let pair = pairs.first(where: { !isMergeKey($0.key) && $0.key.scalar == key }) {
      return .written(pair)
    }
    for merge in pairs where isMergeKey(merge.key) {
      for source in mergeSources(merge.value) {
        switch lookup(key, in: source) {
        case .written(let pair): return .merged(pair.value)
        case .merged(let value): return .merged(value)
        case .absent: continue
        }
      }
    }
    return .absent
  }

  mutating func apply(_ edit: CameraKeyEdit, below mapping: YAMLNode, path: ArraySlice<String>)
    throws(ConfigEditError)
  {
    guard let key = path.first else { return }
    let rest = path.dropFirst()
    switch Self.lookup(key, in: mapping) {
    case .written(let pair):
      let span = try valueSpan(pair)
      if rest.isEmpty {
        switch edit {
        case .set(_, let value):
          replace(
            span.range,
            with: span.lead + YAMLScalarText.text(value, like: span.isAlias ? nil : pair.value)
              + span.trail)
        case .remove:
          try remove(pair, from: mapping)
        }
      } else if case .mapping = pair.value.content, !span.isAlias {
        try apply(edit, below: pair.value, path: rest)
      } else {
        // An alias or nothing (`detector:`): the block is written out here, then changed.
        var piece = try pair.value.isNull ? YAMLPiece.mapping([]) : copy(pair.value)
        piece.apply(edit, path: rest)
        replace(span.range, with: span.lead + piece.flowText)
      }
    case .merged(let value):
      var piece: YAMLPiece
      if rest.isEmpty {
        guard case .set(_, let new) = edit else {
          // An explicit null stops the anchor's value: the default applies.
          try add(key, .text("~"), to: mapping)
          return
        }
        piece = .text(YAMLScalarText.text(new))
      } else {
        piece = try copy(value)
        piece.apply(edit, path: rest)
      }
      try add(key, piece, to: mapping)
    case .absent:
      guard case .set = edit else { return }
      var piece = YAMLPiece.mapping([])
      piece.apply(edit, path: path)
      guard case .mapping(let entries) = piece, let entry = entries.first else { return }
      try add(key, entry.value, to: mapping)
    }
  }

  /// A node as a piece to write elsewhere, its merge keys resolved.
  private func copy(_ node: YAMLNode) throws(ConfigEditError) -> YAMLPiece {
    switch node.content {
    case .scalar(let text, let style):
      if node.isNull { return .text("~") }
      return .text(
        style == .plain && YAMLScalarText.isPlainSafe(text) ? text : ConfigEditor.quoted(text))
    case .mapping(let pairs):
      var entries: [YAMLPiece.Entry] = []
      for pair in pairs where !Self.isMergeKey(pair.key) {
        guard let key = pair.key.scalar else { continue }
        entries.append(.init(key: key, value: try copy(pair.value)))
      }
      for merge in pairs where Self.isMergeKey(merge.key) {
        for source in Self.mergeSources(merge.value) {
          guard case .mapping(let inherited) = try copy(source) else { continue }
          for entry in inherited where !entries.contains(where: { $0.key == entry.key }) {
            entries.append(entry)
          }
        }
      }
      return .mapping(entries)
    case .sequence:
      throw ConfigEditError(
        "a list where the editor expected settings (line \(node.start.line)): edit it by hand")
    }
  }

  // MARK: Where a value is written

  private struct Span {
    /// The characters standing for the value (empty for `key:` with nothing).
    var range: Range<Int>
    /// Written before the new value: a space after a bare colon, or the value's anchor (`&name `).
    var lead = ""
    /// Written after it: the line break a block scalar (`|`) owned.
    var trail = ""
    var isAlias = false
  }

  /// An alias's node carries the positions of its anchor, which come before the key using it.
  private static func isAlias(_ pair: YAMLPair) -> Bool {
    pair.value.start.offset < pair.key.end.offset
  }

  private func valueSpan(_ pair: YAMLPair) throws(ConfigEditError) -> Span {
    if Self.isAlias(pair) {
      var at = try colon(after: pair.key) + 1
      while at < scalars.count, " \t\r\n".unicodeScalars.contains(scalars[at]) { at += 1 }
      guard at < scalars.count, scalars[at] == "*" else {
        throw ConfigEditError(
          "the value at line \(pair.key.start.line) is written in a way the editor cannot change: edit it by hand"
        )
      }
      var end = at + 1
      while end < scalars.count, !" \t\r\n,]}".unicodeScalars.contains(scalars[end]) { end += 1 }
      return Span(range: at..<end, isAlias: true)
    }
    if case .scalar("", .plain) = pair.value.content {
      let after = try colon(after: pair.key) + 1
      return Span(range: after..<after, lead: " ")
    }
    var span = Span(range: pair.value.start.offset..<pair.value.end.offset)
    if let anchor = pair.value.anchor { span.lead = "&\(anchor) " }
    if case .scalar(_, let style) = pair.value.content, style == .literal || style == .folded,
      span.range.upperBound > 0, scalars[span.range.upperBound - 1] == "\n"
    {
      span.trail = "\n"
    }
    return span
  }

  private func colon(after key: YAMLNode) throws(ConfigEditError) -> Int {
    var at = key.end.offset
    while at < scalars.count, scalars[at] == " " || scalars[at] == "\t" { at += 1 }
    guard at < scalars.count, scalars[at] == ":" else {
      throw ConfigEditError(
        "cannot find the colon after the key at line \(key.start.line): edit it by hand")
    }
    return at
  }

  /// Where the written text of a pair ends (its value, or the colon when the value is empty).
  private func end(of pair: YAMLPair) throws(ConfigEditError) -> Int {
    let span = try valueSpan(pair)
    if span.range.isEmpty { return span.range.lowerBound }
    if !span.isAlias, !pair.value.isFlow {
      switch pair.value.content {
      case .mapping(let inner): if let last = inner.last { return try end(of: last) }
      case .sequence(let items): if let last = items.last { return contentEnd(last) }
      case .scalar: break
      }
    }
    return span.range.upperBound
  }

  private func contentEnd(_ node: YAMLNode) -> Int {
    guard !node.isFlow else { return node.end.offset }
    switch node.content {
    case .scalar: return node.end.offset
    case .mapping(let pairs): return pairs.last.flatMap { try? end(of: $0) } ?? node.end.offset
    case .sequence(let items): return items.last.map(contentEnd) ?? node.end.offset
    }
  }

  // MARK: Splicing

  private mutating func replace(_ range: Range<Int>, with text: String) {
    scalars.replaceSubrange(range, with: Array(text.unicodeScalars))
  }

  /// The offset just after the line that holds offset `at` (its line break included).
  private func lineEnd(containing at: Int) -> Int {
    var index = max(0, at)
    while index < scalars.count, scalars[index] != "\n" { index += 1 }
    return min(index + 1, scalars.count)
  }

  private func lineStart(containing at: Int) -> Int {
    var index = min(at, scalars.count)
    while index > 0, scalars[index - 1] != "\n" { index -= 1 }
    return index
  }

  /// Adds `key: piece` at the end of `mapping`: a new line in a block, `, key: value` in `{ ... }`.
  private mutating func add(_ key: String, _ piece: YAMLPiece, to mapping: YAMLNode)
    throws(ConfigEditError)
  {
    guard case .mapping(let pairs) = mapping.content else { return }
    if mapping.isFlow {
      if pairs.isEmpty {
        replace(
          mapping.start.offset..<mapping.end.offset,
          with: YAMLPiece.mapping([.init(key: key, value: piece)]).flowText)
        return
      }
      var at = mapping.end.offset - 1
      guard at > mapping.start.offset, scalars[at] == "}" else {
        throw ConfigEditError(
          "cannot find the } closing the block at line \(mapping.start.line): edit it by hand")
      }
      while at > mapping.start.offset + 1, " \t\r\n".unicodeScalars.contains(scalars[at - 1]) {
        at -= 1
      }
      replace(at..<at, with: ", \(YAMLScalarText.key(key)): \(piece.flowText)")
      return
    }
    guard let first = pairs.first, let last = pairs.last else { return }
    let indent = first.key.start.column - 1
    let lastCharacter = try end(of: last) - 1
    let at = lineEnd(containing: lastCharacter)
    let lines = piece.blockLines(key: key, indent: indent).joined(separator: "\n")
    // A last line without its line break stays the file's last line without one.
    let endsWithoutBreak = at == scalars.count && scalars.last != "\n"
    replace(at..<at, with: endsWithoutBreak ? "\n" + lines : lines + "\n")
  }

  /// Removes a pair: its lines in a block, `key: value` and a comma in `{ ... }`.
  private mutating func remove(_ pair: YAMLPair, from mapping: YAMLNode) throws(ConfigEditError) {
    guard case .mapping(let pairs) = mapping.content,
      let index = pairs.firstIndex(where: { $0.key.start.offset == pair.key.start.offset })
    else { return }
    if mapping.isFlow {
      if index + 1 < pairs.count {
        replace(pair.key.start.offset..<pairs[index + 1].key.start.offset, with: "")
      } else if index > 0 {
        replace(try end(of: pairs[index - 1])..<end(of: pair), with: "")
      } else {
        replace(mapping.start.offset..<mapping.end.offset, with: "{}")
      }
      return
    }
    let start = lineStart(containing: pair.key.start.offset)
    guard scalars[start..<pair.key.start.offset].allSatisfy({ $0 == " " || $0 == "\t" }) else {
      throw ConfigEditError(
        "the key at line \(pair.key.start.line) does not start its line: edit it by hand")
    }
    replace(start..<lineEnd(containing: try end(of: pair) - 1), with: "")
  }
}
