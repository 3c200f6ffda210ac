// Files only the vms user may read (the generated admin's hash, the session digests), in a folder
// only it may enter, replaced atomically like the configuration file (`ConfigFile.write`).
import Foundation
import VMSConfig
import VMSRuntime

enum PrivateFile {
  /// Writes `data` readable by the owner only (folder 0700, file 0600): a crash leaves the old file
  /// or the new one, never half of either.
  static func save(_ data: Data, to path: String) throws {
    let directory = (path as NSString).deletingLastPathComponent
    do {
      try FileManager.default.createDirectory(
        atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]
      )
      try ConfigFile.write(data, to: path)
    } catch {
      throw APIError(
        .internalServerError,
        "cannot write \(path) (\(error)): make the data directory writable by the vms user")
    }
  }
}
