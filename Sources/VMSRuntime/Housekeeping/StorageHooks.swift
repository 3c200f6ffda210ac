// What the recorders need from the storage lifecycle: whether the disk is too full to record, a
// way to tell the janitor a clip closed (usage changed), and the janitor itself for policy updates
// on hot reload.

public struct StorageHooks: Sendable {
  public var pressure: DiskPressure
  public var clipClosed: @Sendable () -> Void
  public var janitor: StorageJanitor?

  public init(
    pressure: DiskPressure, clipClosed: @escaping @Sendable () -> Void,
    janitor: StorageJanitor? = nil
  ) {
    self.pressure = pressure
    self.clipClosed = clipClosed
    self.janitor = janitor
  }

  /// The hooks of a running janitor: its disk pressure, and a nudge when a clip closes.
  public init(janitor: StorageJanitor) {
    self.init(pressure: janitor.pressure, clipClosed: { janitor.nudge() }, janitor: janitor)
  }

  /// No janitor: never paused (tests, tools).
  public static let none = StorageHooks(pressure: DiskPressure(), clipClosed: {})
}
