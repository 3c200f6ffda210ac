// Files only the vms user may read (the generated admin's hash, the session digests): written
// atomically, so a crash leaves the old file or the new one, never half of either.
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

enum PrivateFile {
  /// Writes `data` readable by the owner only (folder 0700, file 0600): temporary file, fsync,
  /// rename.
  static func save(_ data: Data, to path: String) throws {
    let directory = (path as NSString).deletingLastPathComponent
    try FileManager.default.createDirectory(
      atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    let temporary = path + ".tmp"
    unlink(temporary)
    let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else {
      throw APIError(
        .internalServerError,
        "cannot create \(temporary) (\(String(cString: strerror(errno)))): make the data directory writable by the vms user")
    }
    let written = data.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    fsync(descriptor)
    close(descriptor)
    guard written == data.count, rename(temporary, path) == 0 else {
      unlink(temporary)
      throw APIError(.internalServerError, "cannot write \(path): check free space and permissions")
    }
  }
}
