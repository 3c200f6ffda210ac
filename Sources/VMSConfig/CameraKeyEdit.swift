// CameraKeyEdit: one change to a camera's settings in the YAML file, named by its key path below
// the camera (["name"], ["detector", "fps"]). The camera management API turns a form into the few
// edits that differ from what is in force, so nothing the user did not change gets written.

public enum CameraKeyEdit: Sendable, Equatable {
  /// Write this value: in place of the written one, or as a new key when none is written.
  case set([String], YAMLValue)
  /// Drop the key, so its default (or the value merged from a YAML anchor) applies again.
  case remove([String])

  public var path: [String] {
    switch self {
    case .set(let path, _), .remove(let path): return path
    }
  }
}
