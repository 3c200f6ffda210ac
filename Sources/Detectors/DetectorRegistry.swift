// The one place that maps a YAML detector name to its option keys and its constructor.
// Adding a detector = one new file with a `registryEntry` + one line in `builtIn`; plugins from other
// modules (or tests) use `registering(_:)` instead of editing this file.

/// Builds detectors by name and tells the configuration validator which names and option keys exist.
public struct DetectorRegistry: Sendable {
  /// One detector type as the YAML file names it.
  public struct Entry: Sendable {
    /// The `detector.type` value, for example `mog2`.
    public var name: String
    /// The option keys this type accepts in its `detector:` block, beside the common ones.
    public var optionKeys: Set<String>
    /// Builds a fresh detector; throws `DetectorError.invalidOption` for values it cannot use.
    public var make: @Sendable (DetectorSettings) throws -> any MotionDetector

    public init(
      name: String, optionKeys: Set<String>,
      make: @escaping @Sendable (DetectorSettings) throws -> any MotionDetector
    ) {
      self.name = name
      self.optionKeys = optionKeys
      self.make = make
    }
  }

  /// Entries by name.
  public private(set) var entries: [String: Entry]

  public init(_ entries: [Entry] = []) {
    var byName: [String: Entry] = [:]
    for entry in entries { byName[entry.name] = entry }
    self.entries = byName
  }

  /// The detectors shipped with vms.
  public static let builtIn = DetectorRegistry([
    MOG2Detector.registryEntry,
    FrameDiffDetector.registryEntry,
    NoneDetector.registryEntry,
  ])

  /// A copy with `entry` added; an entry with the same name is replaced.
  public func registering(_ entry: Entry) -> DetectorRegistry {
    var copy = self
    copy.entries[entry.name] = entry
    return copy
  }

  /// Known type names, sorted, for error messages and documentation.
  public var names: [String] { entries.keys.sorted() }

  /// Option keys by type name, for the YAML validator (unknown types and keys are errors there).
  public var optionKeysByType: [String: Set<String>] { entries.mapValues(\.optionKeys) }

  /// Builds the detector `settings.type` names, after checking its option keys.
  public func make(_ settings: DetectorSettings) throws -> any MotionDetector {
    guard let entry = entries[settings.type] else {
      throw DetectorError.unknownType(settings.type, known: names)
    }
    // Checked here too, so a caller that skipped the YAML validator still gets a clear error.
    if let key = settings.options.keys.sorted().first(where: { !entry.optionKeys.contains($0) }) {
      throw DetectorError.unknownOption(
        type: settings.type, key: key, known: entry.optionKeys.sorted())
    }
    return try entry.make(settings)
  }
}

/// Why a detector could not be built. The descriptions say what to change in the YAML file.
public enum DetectorError: Error, Equatable, CustomStringConvertible {
  case unknownType(String, known: [String])
  case unknownOption(type: String, key: String, known: [String])
  case invalidOption(type: String, key: String, value: Double, expected: String)

  public var description: String {
    switch self {
    case .unknownType(let type, let known):
      return "unknown detector type \"\(type)\": use one of \(known.joined(separator: ", "))"
    case .unknownOption(let type, let key, let known):
      let choices = known.isEmpty ? "it takes no options" : "use \(known.joined(separator: ", "))"
      return "detector \(type): unknown option \"\(key)\": \(choices)"
    case .invalidOption(let type, let key, let value, let expected):
      return "detector \(type): option \(key) = \(value): expected \(expected)"
    }
  }
}

extension DetectorSettings {
  /// The option `key`, or `defaultValue` when absent; throws unless it is a whole number in `range`.
  func integerOption(_ key: String, default defaultValue: Int, in range: ClosedRange<Int>) throws
    -> Int
  {
    guard let value = options[key] else { return defaultValue }
    guard value.rounded() == value, value >= Double(range.lowerBound),
      value <= Double(range.upperBound)
    else {
      throw DetectorError.invalidOption(
        type: type, key: key, value: value,
        expected: "a whole number from \(range.lowerBound) to \(range.upperBound)")
    }
    return Int(value)
  }

  /// The option `key`, or `defaultValue` when absent; throws unless it lies in `range`.
  func numberOption(_ key: String, default defaultValue: Double, in range: ClosedRange<Double>)
    throws -> Double
  {
    guard let value = options[key] else { return defaultValue }
    guard range.contains(value) else {
      throw DetectorError.invalidOption(
        type: type, key: key, value: value,
        expected: "a number from \(range.lowerBound) to \(range.upperBound)")
    }
    return value
  }
}
