// FilePath: lexical path arithmetic for resolving paths written in the configuration file.
//
// Lexical on purpose: the file may name a data folder or a demo video that does not exist yet, so
// nothing here touches the disk except asking for the working directory.

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

enum FilePath {
  /// `path` made absolute (relative to `directory` unless it already is) and normalised.
  static func resolve(_ path: String, against directory: String) -> String {
    normalize(path.hasPrefix("/") ? path : directory + "/" + path)
  }

  /// The folder holding `path` (which should be absolute).
  static func directory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    let folder = String(path[..<slash])
    return folder.isEmpty ? "/" : folder
  }

  /// `path` against the process's working directory.
  static func absolute(_ path: String) -> String {
    if path.hasPrefix("/") { return normalize(path) }
    return resolve(path, against: currentDirectory())
  }

  /// Removes empty and `.` components and folds `..`, so the same folder always has the same text.
  static func normalize(_ path: String) -> String {
    var components: [Substring] = []
    for component in path.split(separator: "/", omittingEmptySubsequences: true) {
      switch component {
      case ".": continue
      case "..": if !components.isEmpty { components.removeLast() }
      default: components.append(component)
      }
    }
    return "/" + components.joined(separator: "/")
  }

  static func currentDirectory() -> String {
    var buffer = [CChar](repeating: 0, count: 4096)
    guard getcwd(&buffer, buffer.count) != nil else { return "/" }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
