// ConfigLoader: the entry point, a configuration file (or its text) to a validated VMSConfiguration.

import Detectors

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

public enum ConfigLoader {
  /// Reads and validates the file at `path`.
  ///
  /// - Parameter detectorOptionKeys: the known detector types and, for each, the extra option keys
  ///   its `detector:` block may hold (`DetectorRegistry.optionKeysByType`). `none` is always known.
  /// - Throws: every problem found, each with file, line and column (line 0 when the file itself
  ///   cannot be read).
  public static func load(path: String, detectorOptionKeys: [String: Set<String>])
    throws(ConfigError)
    -> VMSConfiguration
  {
    let absolutePath = FilePath.absolute(path)
    let bytes: [UInt8]
    switch readFile(absolutePath) {
    case .success(let content): bytes = content
    case .failure(let reason):
      throw ConfigError(problems: [
        ConfigProblem(
          file: absolutePath, line: 0, column: 0, message: "cannot read the file: \(reason.text)",
          hint: reason.hint)
      ])
    }
    return try decode(bytes: bytes, path: absolutePath, detectorOptionKeys: detectorOptionKeys)
  }

  /// Reads and validates the file at `path` for a server with these detectors: besides the types
  /// and option keys, every option value is checked by building the detector once.
  public static func load(path: String, detectors: DetectorRegistry) throws(ConfigError)
    -> VMSConfiguration
  {
    let absolutePath = FilePath.absolute(path)
    switch readFile(absolutePath) {
    case .success(let bytes):
      return try decode(
        bytes: bytes, path: absolutePath, detectorOptionKeys: detectors.optionKeysByType,
        detectors: detectors)
    case .failure(let reason):
      throw ConfigError(problems: [
        ConfigProblem(
          file: absolutePath, line: 0, column: 0, message: "cannot read the file: \(reason.text)",
          hint: reason.hint)
      ])
    }
  }

  /// True for a text with no settings at all (empty, only comments, `---`): what the loader refuses
  /// as "the file is empty". A text with a YAML syntax error is not empty.
  public static func isEmpty(text: String) -> Bool {
    do {
      return ConfigDecoder.isEmpty(try YAMLParser.parse(text))
    } catch {
      return false
    }
  }

  /// `parse(text:path:detectorOptionKeys:)` that also checks every option value with `detectors`.
  public static func parse(text: String, path: String, detectors: DetectorRegistry)
    throws(ConfigError)
    -> VMSConfiguration
  {
    try decode(
      bytes: Array(text.utf8), path: FilePath.absolute(path),
      detectorOptionKeys: detectors.optionKeysByType,
      detectors: detectors)
  }

  /// Validates `text` as if read from `path`, which locates relative paths and names the file in
  /// problems (camera management validates an edited text before writing it).
  public static func parse(text: String, path: String, detectorOptionKeys: [String: Set<String>])
    throws(ConfigError) -> VMSConfiguration
  {
    try decode(
      bytes: Array(text.utf8), path: FilePath.absolute(path), detectorOptionKeys: detectorOptionKeys
    )
  }

  private static func decode(
    bytes: [UInt8], path: String, detectorOptionKeys: [String: Set<String>],
    detectors: DetectorRegistry? = nil
  )
    throws(ConfigError) -> VMSConfiguration
  {
    let root: YAMLNode?
    do {
      root = try YAMLParser.parse(bytes: bytes)
    } catch {
      throw ConfigError(problems: [
        ConfigProblem(
          file: path, line: error.mark.line, column: error.mark.column, message: error.message,
          hint: error.hint)
      ])
    }
    let decoder = ConfigDecoder(
      file: path, detectorOptionKeys: detectorOptionKeys, detectors: detectors)
    var configuration = decoder.configuration(root: root)
    configuration.warnings = decoder.warnings
    guard decoder.problems.isEmpty else {
      let ordered = decoder.problems.enumerated().sorted {
        ($0.element.line, $0.element.column, $0.offset) < (
          $1.element.line, $1.element.column, $1.offset
        )
      }
      throw ConfigError(problems: ordered.map(\.element))
    }
    return configuration
  }

  private struct ReadFailure: Error {
    var text: String
    var hint: String
  }

  private static func readFile(_ path: String) -> Result<[UInt8], ReadFailure> {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return .failure(readFailure(errno: errno, path: path)) }
    defer { close(descriptor) }
    var content: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65_536)
    while true {
      let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
      if count < 0 {
        if errno == EINTR { continue }
        return .failure(readFailure(errno: errno, path: path))
      }
      if count == 0 { return .success(content) }
      content += chunk[0..<count]
      // A configuration file is a few kilobytes; refuse to slurp a wrongly named disk image.
      if content.count > 16 << 20 {
        return .failure(
          ReadFailure(text: "larger than 16 MB", hint: "check that --config names the YAML file"))
      }
    }
  }

  private static func readFailure(errno code: Int32, path: String) -> ReadFailure {
    let reason = String(cString: strerror(code))
    switch code {
    case ENOENT:
      return ReadFailure(
        text: reason,
        hint: "check the path given to --config; config/vms.yaml in the release is a starting point"
      )
    case EACCES:
      return ReadFailure(
        text: reason, hint: "let the user running vms read the file (chmod / chown)")
    case EISDIR:
      return ReadFailure(text: reason, hint: "name the YAML file itself, not its folder")
    default:
      return ReadFailure(text: reason, hint: "check the file and the disk")
    }
  }
}
