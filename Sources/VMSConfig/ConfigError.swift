// ConfigError: every problem found in a configuration file, thrown together so the user can fix
// them all in one pass.

public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
  /// In file order (line, then column).
  public var problems: [ConfigProblem]

  public init(problems: [ConfigProblem]) {
    self.problems = problems
  }

  /// One problem per line.
  public var description: String {
    problems.map(\.description).joined(separator: "\n")
  }
}
