// YAMLSyntaxError: why libyaml (or the tree builder) refused a text, and where.

public struct YAMLSyntaxError: Error, Sendable, Equatable {
  public var message: String
  public var hint: String
  public var mark: YAMLMark

  public init(message: String, hint: String, mark: YAMLMark) {
    self.message = message
    self.hint = hint
    self.mark = mark
  }
}
