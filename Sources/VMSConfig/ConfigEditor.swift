// Edits cameras in the configuration text, leaving every other line (other cameras, other keys, the
// user's comments and layout) exactly as it was. Used by the camera management API and the import
// of the original program's settings; the caller validates the result in full and writes it
// atomically.
//
// - `editingCamera` changes only the keys it is given, in place (`ConfigKeyEditor`).
// - `addingCamera` appends a new camera with only the keys it is given.
// - `settingCamera` writes a whole camera block (the import), replacing the camera's block if any.
// - `removingCamera` removes a camera's block.
//
// Blocks are located on lines through the parsed tree's positions: a camera's block runs from its
// key's line to the next camera's key line (or the next top-level key), minus trailing blank and
// comment lines, which stay where they are.

public struct ConfigEditError: Error, Sendable, Equatable, CustomStringConvertible {
  public var description: String
  init(_ description: String) { self.description = description }

  /// The file's syntax tree before an edit (nil: an empty file). A file that does not parse is
  /// never edited: the user is told to fix it first.
  static func parsedForEdit(_ text: String) throws(ConfigEditError) -> YAMLNode? {
    do {
      return try YAMLParser.parse(text)
    } catch {
      throw ConfigEditError(
        "the configuration file is not valid YAML (\(error)); fix it by hand first")
    }
  }
}

/// A value to write in a generated camera block.
public indirect enum YAMLValue: Sendable, Equatable {
  case string(String)
  case number(Double)
  case integer(Int)
  case bool(Bool)
  /// Text written without quotes when it reads back the same (`5s`, `mog2`), quoted otherwise.
  case word(String)
  case mapping([(String, YAMLValue)])

  public static func == (lhs: YAMLValue, rhs: YAMLValue) -> Bool {
    switch (lhs, rhs) {
    case (.string(let a), .string(let b)): return a == b
    case (.number(let a), .number(let b)): return a == b
    case (.integer(let a), .integer(let b)): return a == b
    case (.bool(let a), .bool(let b)): return a == b
    case (.word(let a), .word(let b)): return a == b
    case (.mapping(let a), .mapping(let b)):
      return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    default: return false
    }
  }
}

public enum ConfigEditor {
  /// `text` with camera `id`'s keys changed by `edits`, each in place: nothing else in the file
  /// changes, not even the other keys of that camera (see `ConfigKeyEditor`).
  public static func editingCamera(_ id: String, _ edits: [CameraKeyEdit], in text: String)
    throws(ConfigEditError) -> String
  {
    try ConfigKeyEditor.apply(edits, camera: id, in: text)
  }

  /// `text` with a new camera `id` appended to `cameras:`, holding only the keys `edits` set (in
  /// their order), so every other setting follows its default.
  public static func addingCamera(_ id: String, _ edits: [CameraKeyEdit], in text: String)
    throws(ConfigEditError) -> String
  {
    var fields: [(String, YAMLValue)] = []
    for case .set(let path, let value) in edits { insert(value, at: path[...], into: &fields) }
    return try settingCamera(id, to: fields, in: text)
  }

  private static func insert(
    _ value: YAMLValue, at path: ArraySlice<String>, into fields: inout [(String, YAMLValue)]
  ) {
    guard let key = path.first else { return }
    let index = fields.firstIndex { $0.0 == key }
    var new = value
    if path.count > 1 {
      var inner: [(String, YAMLValue)] = []
      if let index, case .mapping(let existing) = fields[index].1 { inner = existing }
      insert(value, at: path.dropFirst(), into: &inner)
      new = .mapping(inner)
    }
    if let index { fields[index].1 = new } else { fields.append((key, new)) }
  }

  /// `text` with camera `id` set to `fields`: its block replaced, or a new block appended to `cameras:`.
  public static func settingCamera(_ id: String, to fields: [(String, YAMLValue)], in text: String)
    throws(ConfigEditError) -> String
  {
    var lines = splitLines(text)
    let place = try locate(id, in: text, lines: lines)
    switch place {
    case .block(let range, let indent):
      lines.replaceSubrange(range, with: render(id, fields, indent: indent))
    case .append(let at, let indent):
      lines.insert(contentsOf: render(id, fields, indent: indent), at: at)
    case .emptyCameras(let range):
      lines.replaceSubrange(range, with: ["cameras:"] + render(id, fields, indent: 2))
    case .noCameras:
      if let last = lines.last, last.isEmpty { lines.removeLast() }
      lines.append("cameras:")
      lines += render(id, fields, indent: 2)
      lines.append("")
    }
    return lines.joined(separator: "\n")
  }

  /// `text` without camera `id`'s block.
  public static func removingCamera(_ id: String, from text: String) throws(ConfigEditError)
    -> String
  {
    var lines = splitLines(text)
    guard case .block(let range, _) = try locate(id, in: text, lines: lines) else {
      throw ConfigEditError("camera \(id) is not in the configuration file")
    }
    lines.removeSubrange(range)
    return lines.joined(separator: "\n")
  }

  // MARK: Locating

  private enum Place {
    /// Lines (0-based, half-open) of the camera's block, and the camera keys' indentation.
    case block(Range<Int>, indent: Int)
    /// Insert a new block before this line index.
    case append(at: Int, indent: Int)
    /// `cameras:` has no entry (null or `{}`): replace these lines.
    case emptyCameras(Range<Int>)
    case noCameras
  }

  private static func camerasPair(in root: YAMLNode) -> YAMLPair? {
    guard case .mapping(let pairs) = root.content else { return nil }
    return pairs.last { $0.key.scalar == "cameras" }
  }

  private static func locate(_ id: String, in text: String, lines: [String]) throws(ConfigEditError)
    -> Place
  {
    guard let root = try ConfigEditError.parsedForEdit(text) else { return .noCameras }
    guard case .mapping(let rootPairs) = root.content else {
      throw ConfigEditError(
        "the configuration file is not a mapping of sections; fix it by hand first")
    }
    guard let cameras = camerasPair(in: root) else { return .noCameras }
    // Where the cameras section ends: the next top-level key's line, or the end of the file.
    let camerasKeyLine = cameras.key.start.line - 1
    let sectionEnd =
      rootPairs.map { $0.key.start.line - 1 }.filter { $0 > camerasKeyLine }.min() ?? lines.count

    switch cameras.value.content {
    case .mapping(let pairs) where !pairs.isEmpty:
      guard !cameras.value.isFlow else {
        throw ConfigEditError(
          "cameras: is written in flow style ({ ... }); rewrite it as an indented block to edit it from the UI"
        )
      }
      let indent = pairs[0].key.start.column - 1
      if let i = pairs.lastIndex(where: { $0.key.scalar == id }) {
        let start = pairs[i].key.start.line - 1
        let nextStart = i + 1 < pairs.count ? pairs[i + 1].key.start.line - 1 : sectionEnd
        return .block(start..<trimTrailing(lines, from: start, to: nextStart), indent: indent)
      }
      let lastStart = pairs[pairs.count - 1].key.start.line - 1
      return .append(at: trimTrailing(lines, from: lastStart, to: sectionEnd), indent: indent)
    case .mapping:
      return .emptyCameras(camerasKeyLine..<max(camerasKeyLine + 1, cameras.value.end.line))
    case .scalar where cameras.value.isNull:
      return .emptyCameras(camerasKeyLine..<(camerasKeyLine + 1))
    default:
      throw ConfigEditError("cameras: must be a mapping of camera ids; fix it by hand first")
    }
  }

  /// The end of a block once its trailing blank and comment lines are left out.
  private static func trimTrailing(_ lines: [String], from start: Int, to end: Int) -> Int {
    var end = min(end, lines.count)
    while end > start + 1 {
      let trimmed = lines[end - 1].drop { $0 == " " || $0 == "\t" }
      if trimmed.isEmpty || trimmed.hasPrefix("#") { end -= 1 } else { break }
    }
    return end
  }

  private static func splitLines(_ text: String) -> [String] {
    text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
  }

  // MARK: Rendering

  static func render(_ id: String, _ fields: [(String, YAMLValue)], indent: Int) -> [String] {
    let pad = String(repeating: " ", count: indent)
    return ["\(pad)\(YAMLScalarText.key(id)):"] + renderMapping(fields, indent: indent + 2)
  }

  private static func renderMapping(_ fields: [(String, YAMLValue)], indent: Int) -> [String] {
    let pad = String(repeating: " ", count: indent)
    var out: [String] = []
    for (key, value) in fields {
      if case .mapping(let inner) = value {
        out.append("\(pad)\(YAMLScalarText.key(key)):")
        out += renderMapping(inner, indent: indent + 2)
      } else {
        out.append("\(pad)\(YAMLScalarText.key(key)): \(YAMLScalarText.text(value))")
      }
    }
    return out
  }

  /// A number as a person writes it: `25`, not `25.0`.
  static func numberText(_ x: Double) -> String {
    x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x)
  }

  /// A double-quoted YAML scalar: always safe, whatever the text holds.
  public static func quoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\t": out += "\\t"
      case "\r": out += "\\r"
      default:
        if scalar.value < 0x20 || scalar.value == 0x7F {
          out += "\\x" + String(scalar.value, radix: 16).leftPadded(to: 2)
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out + "\""
  }
}

extension String {
  fileprivate func leftPadded(to width: Int) -> String {
    count >= width ? self : String(repeating: "0", count: width - count) + self
  }
}
