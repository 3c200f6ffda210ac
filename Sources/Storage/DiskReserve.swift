// Room held on the data disk for the index: a file of a few megabytes (`DATA/reserve.bin`) that is
// deleted the moment a write finds the disk full, so SQLite can still commit what must not be lost
// (finishing the clip the full disk cut short, deleting clips to make room) when another process
// filled the disk to the last byte. It is made again once the disk has room.
import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

public final class DiskReserve: Sendable {
  public static let fileName = "reserve.bin"
  public static let defaultBytes = 8 << 20

  public let path: String
  public let bytes: Int
  /// Set when a made reserve did not take real blocks (a compressing file system stores zeros in
  /// nothing): it would free nothing, so it is not rewritten at every janitor pass.
  private let cannotHold = Atomic<Bool>(false)

  public init(directory: String, bytes: Int = defaultBytes) {
    path = directory + "/" + Self.fileName
    self.bytes = bytes
  }

  /// Makes the reserve when it is missing and the disk has room for it several times over (so
  /// making it never fills the disk itself). True when it is held afterwards.
  @discardableResult
  public func ensure() -> Bool {
    if let size = Self.size(of: path), size >= bytes { return true }
    guard !cannotHold.load(ordering: .relaxed) else { return false }
    var disk = statvfs()
    guard statvfs((path as NSString).deletingLastPathComponent, &disk) == 0,
      Int(disk.f_bavail) * Int(disk.f_frsize) >= bytes * 4
    else { return false }
    let temporary = path + ".tmp"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard fd >= 0 else { return false }
    // Real blocks, not a sparse file: a hole frees nothing when it is deleted.
    let allocated = posix_fallocate(fd, 0, off_t(bytes)) == 0 && fsync(fd) == 0
    close(fd)
    guard allocated, rename(temporary, path) == 0 else {
      unlink(temporary)
      return false
    }
    if let size = Self.size(of: path), size >= bytes { return true }
    cannotHold.store(true, ordering: .relaxed)
    return false
  }

  /// Deletes the reserve. True when that freed room (it was there).
  @discardableResult
  public func release() -> Bool {
    unlink(path) == 0
  }

  private static func size(of path: String) -> Int? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return Int(info.st_blocks) * 512
  }
}
