// ConfigProblem: one thing wrong with a configuration file, where it is and what to do about it.

public struct ConfigProblem: Sendable, Equatable, CustomStringConvertible {
  public var file: String
  /// 1-based; 0 when the problem concerns the whole file (it cannot be read).
  public var line: Int
  /// 1-based; 0 when the problem concerns the whole file.
  public var column: Int
  public var message: String
  public var hint: String?

  public init(file: String, line: Int, column: Int, message: String, hint: String? = nil) {
    self.file = file
    self.line = line
    self.column = column
    self.message = message
    self.hint = hint
  }

  /// `path:line:column: message (hint: ...)`, the shape compilers use, so editors can jump to it.
  public var description: String {
    var text = line > 0 ? "\(file):\(line):\(column): \(message)" : "\(file): \(message)"
    if let hint { text += " (hint: \(hint))" }
    return text
  }
}
