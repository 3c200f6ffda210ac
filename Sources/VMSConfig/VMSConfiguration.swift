/// VMSConfig: the deployment's YAML configuration file, as a typed, validated value.
///
/// What belongs here: the YAML node tree (through libyaml), the settings model with its defaults,
/// validation that reports every problem with file:line:column and a hint, and small helpers the
/// model implies (duration and size syntax, URL password redaction).
/// What does not: watching the file, applying a configuration, opening streams.

/// The whole configuration file, with every default filled in and every path absolute.
public struct VMSConfiguration: Sendable, Equatable {
  public var server: ServerSettings
  public var auth: AuthSettings
  public var storage: StorageSettings
  public var updates: UpdateSettings
  /// In file order.
  public var cameras: [CameraSettings]
  /// Absolute path of the file this was read from.
  public var sourcePath: String
  /// Advice that does not stop the file from loading (`check-config` prints it), in file order.
  public var warnings: [ConfigProblem] = []

  public init(
    server: ServerSettings, auth: AuthSettings = AuthSettings(),
    storage: StorageSettings = StorageSettings(), updates: UpdateSettings = UpdateSettings(),
    cameras: [CameraSettings] = [], sourcePath: String
  ) {
    self.server = server
    self.auth = auth
    self.storage = storage
    self.updates = updates
    self.cameras = cameras
    self.sourcePath = sourcePath
  }

  public func camera(id: String) -> CameraSettings? {
    cameras.first { $0.id == id }
  }
}
