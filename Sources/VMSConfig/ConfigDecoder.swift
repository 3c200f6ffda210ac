// ConfigDecoder: walks the YAML tree into the settings model, collecting every problem on the way.
//
// Each reader reports what is wrong and returns nil, and the caller keeps its default: so one bad
// value never hides the problems after it, and the whole file is checked in one pass.

import Detectors

final class ConfigDecoder {
  let file: String
  /// Relative paths in the file are resolved against this folder.
  let directory: String
  let detectorOptionKeys: [String: Set<String>]
  /// When given, each camera's detector is built once and thrown away, so an option value the
  /// detector refuses (out of range) is reported here with its line instead of leaving the camera
  /// without detection at run time.
  let detectors: DetectorRegistry?
  private(set) var problems: [ConfigProblem] = []
  /// Settings that work but probably not as meant (see `VMSConfiguration.warnings`).
  private(set) var warnings: [ConfigProblem] = []

  init(file: String, detectorOptionKeys: [String: Set<String>], detectors: DetectorRegistry? = nil)
  {
    self.file = file
    self.directory = FilePath.directory(of: file)
    self.detectorOptionKeys = detectorOptionKeys
    self.detectors = detectors
  }

  /// Records a problem at `mark`; `key` is the dotted key path it concerns (see `ConfigProblem.key`).
  func report(_ mark: YAMLMark, _ message: String, hint: String?, key: String? = nil) {
    problems.append(
      ConfigProblem(
        file: file, line: mark.line, column: mark.column, message: message, hint: hint, key: key))
  }

  /// Records a warning at `mark`, in the same form as a problem.
  func warn(_ mark: YAMLMark, _ message: String, hint: String?, key: String? = nil) {
    warnings.append(
      ConfigProblem(
        file: file, line: mark.line, column: mark.column, message: message, hint: hint, key: key))
  }

  // MARK: Mappings

  /// One `key: value` of a mapping, merge keys (`<<: *defaults`) already applied.
  struct Entry {
    var name: String
    var keyNode: YAMLNode
    var value: YAMLNode
  }

  struct Fields {
    var entries: [Entry]

    /// The value written for `name`, nil when absent or written as null (`key:` alone), which both
    /// mean "use the default".
    subscript(_ name: String) -> YAMLNode? {
      guard let value = entries.first(where: { $0.name == name })?.value, !value.isNull else {
        return nil
      }
      return value
    }
  }

  /// The entries of a mapping node, reporting non-mappings, duplicate keys and (unless `known` is
  /// nil) unknown keys. `elsewhere` maps keys that belong to another block to words naming it, for
  /// the hint "pre_roll belongs in the recording: block". Keys starting with `extensionPrefix` are
  /// left alone: `x-camera-defaults: &defaults` is the usual home of a YAML anchor.
  func fields(
    of node: YAMLNode, path: String, known: [String]?, elsewhere: [String: String] = [:],
    duplicateLabel: String = "key", extensionPrefix: String? = nil
  ) -> Fields? {
    guard case .mapping(let pairs) = node.content else {
      report(
        node.start, "\(path): expected a mapping of keys to values, found \(node.kindDescription)",
        hint: known.map {
          "write indented \"key: value\" lines; keys here: \($0.joined(separator: ", "))"
        }
          ?? "write indented \"key: value\" lines", key: path)
      return nil
    }
    var explicit: [Entry] = []
    var merged: [Entry] = []
    for pair in pairs {
      guard let name = pair.key.scalar else {
        report(
          pair.key.start, "\(path): a key must be plain text, found \(pair.key.kindDescription)",
          hint: "write the key as a word followed by a colon", key: path)
        continue
      }
      if name == "<<", case .scalar(_, .plain) = pair.key.content {
        merged += mergeSource(pair.value, path: path)
        continue
      }
      if let first = explicit.first(where: { $0.name == name }) {
        report(
          pair.key.start,
          "\(path): duplicate \(duplicateLabel) \"\(name)\" (first written at line \(first.keyNode.start.line))",
          hint: "keep only one of them: YAML would silently use just one", key: "\(path).\(name)")
        continue
      }
      explicit.append(Entry(name: name, keyNode: pair.key, value: pair.value))
    }
    // Explicit keys win over merged ones, and earlier merge sources over later ones.
    var entries = explicit
    for entry in merged where !entries.contains(where: { $0.name == entry.name }) {
      entries.append(entry)
    }
    if let known {
      for entry in entries where !known.contains(entry.name) {
        if let extensionPrefix, entry.name.hasPrefix(extensionPrefix) { continue }
        reportUnknownKey(entry, path: path, known: known, elsewhere: elsewhere)
      }
    }
    return Fields(entries: entries)
  }

  private func mergeSource(_ node: YAMLNode, path: String) -> [Entry] {
    switch node.content {
    case .mapping(let pairs):
      return pairs.compactMap { pair in
        pair.key.scalar.map { Entry(name: $0, keyNode: pair.key, value: pair.value) }
      }
    case .sequence(let items):
      return items.flatMap { mergeSource($0, path: path) }
    case .scalar:
      report(
        node.start, "\(path): \"<<\" must be given a mapping, found \(node.kindDescription)",
        hint: "write \"<<: *name\" where &name marks a mapping", key: path)
      return []
    }
  }

  func reportUnknownKey(_ entry: Entry, path: String, known: [String], elsewhere: [String: String])
  {
    let hint: String
    let wanted = KeySuggestion.normalized(entry.name)
    if let block = elsewhere.first(where: { KeySuggestion.normalized($0.key) == wanted }) {
      hint = "\(block.key) belongs in \(block.value)"
    } else if let suggestion = KeySuggestion.closest(to: entry.name, among: known) {
      hint = "did you mean \"\(suggestion)\"?"
    } else {
      hint = "known keys here: \(known.joined(separator: ", "))"
    }
    report(
      entry.keyNode.start, "\(path): unknown key \"\(entry.name)\"", hint: hint,
      key: "\(path).\(entry.name)")
  }

  // MARK: Scalars

  /// The text of a scalar value; reports a mapping or list where a single value belongs.
  func text(_ node: YAMLNode, path: String, expected: String, example: String) -> String? {
    guard let text = node.scalar else {
      report(
        node.start, "\(path): expected \(expected), found \(node.kindDescription)",
        hint: "write a single value, for example \(example)", key: path)
      return nil
    }
    return text
  }

  func string(_ node: YAMLNode?, path: String, example: String) -> String? {
    guard let node else { return nil }
    return text(node, path: path, expected: "text", example: example)
  }

  func bool(_ node: YAMLNode?, path: String) -> Bool? {
    guard let node, let text = text(node, path: path, expected: "true or false", example: "true")
    else { return nil }
    switch text.lowercased() {
    case "true", "yes", "on": return true
    case "false", "no", "off": return false
    default:
      report(node.start, "\(path): bad boolean \"\(text)\"", hint: "write true or false", key: path)
      return nil
    }
  }

  /// An integer no smaller than `minimum`.
  func int(_ node: YAMLNode?, path: String, minimum: Int, example: String) -> Int? {
    guard let node, let text = text(node, path: path, expected: "a whole number", example: example)
    else { return nil }
    guard let value = Int(text.replacingUnderscores) else {
      report(
        node.start, "\(path): bad number \"\(text)\"",
        hint: "write a whole number, for example \(example)", key: path)
      return nil
    }
    guard value >= minimum else {
      report(
        node.start, "\(path): \(value) is too small",
        hint: "write a whole number of at least \(minimum)", key: path)
      return nil
    }
    return value
  }

  /// A finite number within `range`, described by `rangeText` ("more than 0").
  func double(
    _ node: YAMLNode?, path: String, range: ClosedRange<Double>, rangeText: String, example: String,
    excludingLowerBound: Bool = false
  ) -> Double? {
    guard let node, let text = text(node, path: path, expected: "a number", example: example)
    else { return nil }
    guard let value = Double(text.replacingUnderscores), value.isFinite else {
      report(
        node.start, "\(path): bad number \"\(text)\"",
        hint: "write a number, for example \(example)", key: path)
      return nil
    }
    guard range.contains(value), !(excludingLowerBound && value == range.lowerBound) else {
      report(
        node.start, "\(path): \(text) is out of range", hint: "write a number \(rangeText)",
        key: path)
      return nil
    }
    return value
  }

  /// A duration of at least zero, in seconds.
  func duration(_ node: YAMLNode?, path: String, example: String) -> Double? {
    guard let node, let text = text(node, path: path, expected: "a duration", example: example)
    else { return nil }
    guard let seconds = ConfigDuration.seconds(from: text) else {
      report(
        node.start, "\(path): bad duration \"\(text)\"",
        hint: "write a number of seconds or a duration such as 500ms, 5s, 10m, 1h or 1h30m",
        key: path)
      return nil
    }
    guard seconds >= 0 else {
      report(
        node.start, "\(path): duration \"\(text)\" is negative", hint: "write 0s or more", key: path
      )
      return nil
    }
    return seconds
  }

  /// A size of at least zero, in bytes.
  func size(_ node: YAMLNode?, path: String, example: String) -> Int64? {
    guard let node, let text = text(node, path: path, expected: "a size", example: example)
    else { return nil }
    guard let bytes = ConfigSize.bytes(from: text) else {
      report(
        node.start, "\(path): bad size \"\(text)\"",
        hint: "write a number of bytes or a size such as 500MB, 2GB, 1.5TB or 4GiB", key: path)
      return nil
    }
    guard bytes >= 0 else {
      report(
        node.start, "\(path): size \"\(text)\" is negative", hint: "write 0 or more", key: path)
      return nil
    }
    return bytes
  }

  /// One of an enumeration's raw values.
  func choice<T: RawRepresentable & CaseIterable>(
    _ node: YAMLNode?, path: String, what: String, as type: T.Type
  ) -> T? where T.RawValue == String {
    let names = T.allCases.map(\.rawValue)
    guard let node,
      let text = text(
        node, path: path, expected: "one of \(names.joined(separator: ", "))", example: names[0])
    else { return nil }
    // "TCP" and "Admin" are not worth a failed start.
    guard let value = T(rawValue: text.lowercased()) else {
      report(
        node.start, "\(path): bad \(what) \"\(text)\"",
        hint: "write one of: \(names.joined(separator: ", "))", key: path)
      return nil
    }
    return value
  }
}

extension String {
  /// YAML allows `1_000_000` for readability; Swift's parsers do not.
  fileprivate var replacingUnderscores: String {
    contains("_") ? String(filter { $0 != "_" }) : self
  }
}
