// ConfigProblem: one thing wrong with a configuration file, where it is and what to do about it.

public struct ConfigProblem: Sendable, Equatable, CustomStringConvertible {
  public var file: String
  /// 1-based; 0 when the problem concerns the whole file (it cannot be read).
  public var line: Int
  /// 1-based; 0 when the problem concerns the whole file.
  public var column: Int
  public var message: String
  public var hint: String?
  /// The dotted key path the problem is about (`cameras.front.recording.pre_roll`; `cameras.front`
  /// for the camera's entry itself, its id), nil when it concerns the file or no single key. The
  /// message starts with this path or one of its parents ("cameras.front.name: is empty").
  public var key: String?

  public init(
    file: String, line: Int, column: Int, message: String, hint: String? = nil, key: String? = nil
  ) {
    self.file = file
    self.line = line
    self.column = column
    self.message = message
    self.hint = hint
    self.key = key
  }

  /// The message without the key path it starts with ("is empty"): for a form that shows it next
  /// to the field of that key.
  public var detail: String {
    guard let key else { return message }
    var path = Substring(key)
    while true {
      if message.hasPrefix(path + ": ") { return String(message.dropFirst(path.count + 2)) }
      guard let dot = path.lastIndex(of: ".") else { return message }
      path = path[..<dot]
    }
  }

  /// `path:line:column: message (hint: ...)`, the shape compilers use, so editors can jump to it.
  public var description: String {
    var text = line > 0 ? "\(file):\(line):\(column): \(message)" : "\(file): \(message)"
    if let hint { text += " (hint: \(hint))" }
    return text
  }
}
