// The one bit recorders need from the storage janitor: may a new clip be opened?
import Synchronization

/// Set by the `StorageJanitor` when the data disk has less free space than `storage.min_free_bytes`
/// and nothing is left that retention may delete (only archives and clips being recorded); cleared by
/// the janitor when space returns. Recorders read it before opening a clip (and while recording, at
/// keyframes), so the disk never fills up to the point of writing broken files.
///
/// Lock-free reads: `isPaused` is one atomic load, cheap enough for every packet.
public final class DiskPressure: Sendable {
  private let paused = Atomic<Bool>(false)
  private let why = Mutex<String?>(nil)

  public init() {}

  /// True while recording must not start.
  public var isPaused: Bool { paused.load(ordering: .acquiring) }

  /// The status text to show on every camera while paused, e.g. "disk full: 1.2 GB free on the
  /// data disk, storage.min_free_bytes is 2 GB; nothing left to delete (archives are kept)". Nil
  /// when recording may run.
  public var reason: String? { why.withLock { $0 } }

  /// Returns true when the state changed (the janitor logs and announces it only then).
  @discardableResult
  func set(paused newValue: Bool, reason: String?) -> Bool {
    why.withLock { $0 = newValue ? reason : nil }
    return paused.exchange(newValue, ordering: .acquiringAndReleasing) != newValue
  }
}
