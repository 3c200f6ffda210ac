// UserRole: what a signed-in user may do.

public enum UserRole: String, Sendable, Equatable, CaseIterable {
  /// Everything, including camera management and deleting clips.
  case admin
  /// Watch live views and recordings; change nothing.
  case viewer
}
