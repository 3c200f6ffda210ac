// Free space on the data disk, from statvfs: what `storage.min_free_bytes` is checked against.
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Space on one file system, as an unprivileged process sees it (root's reserved blocks excluded:
/// vms should not count on them).
public struct DiskSpace: Sendable, Equatable {
  public var freeBytes: Int64
  public var totalBytes: Int64

  public init(freeBytes: Int64, totalBytes: Int64) {
    self.freeBytes = freeBytes
    self.totalBytes = totalBytes
  }

  /// The file system holding `path`.
  public static func of(path: String) throws -> DiskSpace {
    var info = statvfs()
    guard statvfs(path, &info) == 0 else {
      throw DiskSpaceError(
        description:
          "cannot measure free space at \(path) (\(String(cString: strerror(errno)))): check that server.data_dir exists"
      )
    }
    let blockBytes = Int64(info.f_frsize == 0 ? info.f_bsize : info.f_frsize)
    return DiskSpace(
      freeBytes: Int64(info.f_bavail) * blockBytes, totalBytes: Int64(info.f_blocks) * blockBytes)
  }
}

/// How the janitor measures the data disk; tests inject a fake disk.
public typealias DiskSpaceProbe = @Sendable (_ path: String) throws -> DiskSpace

public struct DiskSpaceError: Error, Sendable, CustomStringConvertible {
  public var description: String
}
