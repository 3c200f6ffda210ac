// Reading the configuration file as it is on disk, and the content hash that tells two versions
// apart (hot reload skips an unchanged file; the camera management API refuses to overwrite a hand
// edit it has not seen).
import Foundation

public enum ConfigFile {
  /// The file's bytes as text, or nil when it cannot be read (e.g. mid-rename).
  public static func read(_ path: String) -> String? {
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    return String(decoding: data, as: UTF8.self)
  }

  /// FNV-1a 64 of the text, in hex: a change detector, not a security measure.
  public static func hash(_ text: String) -> String {
    var value: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
      value ^= UInt64(byte)
      value = value &* 0x100_0000_01b3
    }
    return String(value, radix: 16)
  }

  /// Replaces the file atomically. The one writer of the configuration file (camera edits from the
  /// API, `vms import-seed`) and of the other files vms replaces whole (the import ledger, the web
  /// UI's private files).
  public static func write(_ text: String, to path: String) throws {
    try write(Data(text.utf8), to: path)
  }

  /// `write(_:to:)` for any bytes.
  ///
  /// The order, and what a crash between two steps leaves:
  /// 1. Write a new file under a hidden temporary name in the same folder (so the rename below
  ///    stays within one file system and is atomic), with the permissions of the file it replaces
  ///    (0600 for a new file), and fsync it. A crash: the old file, and a `.NAME.*.tmp` beside it.
  /// 2. Rename it over the file. A reader sees the old file or the new one, never half of one; one
  ///    that had the old file open keeps reading the old content.
  /// 3. fsync the folder, so the rename itself survives a power cut.
  /// A failure at step 1 or 2 removes the temporary file and leaves the old file as it was.
  public static func write(_ data: Data, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    let folder = url.deletingLastPathComponent().path
    let temporary = folder + "/.\(url.lastPathComponent).\(UUID().uuidString).tmp"
    // Keep the permissions the user gave the original file.
    var mode: mode_t = 0o600
    var existing = stat()
    if stat(path, &existing) == 0 { mode = existing.st_mode & 0o7777 }

    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    guard fd >= 0 else {
      throw ConfigFileError("cannot write \(temporary): \(String(cString: strerror(errno)))")
    }
    // The first failure, as (what, errno): later calls must not overwrite the errno it explains.
    var failure: (String, Int32)?
    data.withUnsafeBytes { buffer in
      var written = 0
      while written < buffer.count {
        let n = Foundation.write(fd, buffer.baseAddress! + written, buffer.count - written)
        if n < 0 && errno == EINTR { continue }
        if n <= 0 {
          failure = ("cannot write \(temporary)", n < 0 ? errno : EIO)
          return
        }
        written += n
      }
    }
    if failure == nil, fchmod(fd, mode) != 0 {
      failure = ("cannot set the permissions of \(temporary)", errno)
    }
    if failure == nil, fsync(fd) != 0 { failure = ("cannot flush \(temporary) to disk", errno) }
    if close(fd) != 0, failure == nil { failure = ("cannot write \(temporary)", errno) }
    if failure == nil, rename(temporary, path) != 0 { failure = ("cannot replace \(path)", errno) }
    if let (what, code) = failure {
      unlink(temporary)
      throw ConfigFileError("\(what): \(String(cString: strerror(code)))")
    }
    let dir = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if dir >= 0 {
      fsync(dir)
      close(dir)
    }
  }
}

public struct ConfigFileError: Error, CustomStringConvertible {
  public var description: String
  init(_ description: String) { self.description = description }
}
