import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// An exclusive lock on a data directory (`flock` on `DATA/vms.lock`), held by `vms serve` for its
/// whole life: two servers on one data directory would allocate the same clip names, and
/// `vms check-storage --repair` must not finish clips a running server is still writing. The kernel
/// drops the lock when the process dies, kill -9 included, so a crash never leaves it stale.
public final class DataDirectoryLock: Sendable {
  public static let fileName = "vms.lock"
  private let descriptor: Int32

  private init(descriptor: Int32) {
    self.descriptor = descriptor
  }

  deinit {
    close(descriptor)
  }

  /// Takes the lock without waiting; nil when another process holds it.
  public static func acquire(dataDirectory: String) throws -> DataDirectoryLock? {
    let root = DataLayout(rootPath: dataDirectory).rootPath
    // Taken before the index is opened (which would create the directory): create it here too.
    try? FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    let path = root + "/" + fileName
    let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else {
      throw StorageError.dataDirectoryUnusable(
        path: dataDirectory, reason: "cannot open \(path) (\(String(cString: strerror(errno))))")
    }
    guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
      close(descriptor)
      return nil
    }
    return DataDirectoryLock(descriptor: descriptor)
  }
}
