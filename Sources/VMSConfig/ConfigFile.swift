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

  /// Replaces the file atomically: a temporary file beside it, fsync, rename, fsync of the folder.
  /// A crash leaves either the old file or the new one, never half of one.
  public static func write(_ text: String, to path: String) throws {
    try write(Data(text.utf8), to: path)
  }

  /// `write(_:to:)` for any bytes (a new file is 0600; an existing one keeps its permissions).
  public static func write(_ data: Data, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    let folder = url.deletingLastPathComponent().path
    let temporary = folder + "/.\(url.lastPathComponent).\(UUID().uuidString).tmp"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
    guard fd >= 0 else { throw ConfigFileError("cannot write \(temporary): \(String(cString: strerror(errno)))") }
    var ok = true
    data.withUnsafeBytes { buffer in
      let bytes = buffer.count
      var written = 0
      while written < bytes {
        let n = Foundation.write(fd, buffer.baseAddress! + written, bytes - written)
        if n <= 0 {
          ok = false
          break
        }
        written += n
      }
    }
    // Keep the permissions the user gave the original file.
    if let attributes = try? FileManager.default.attributesOfItem(atPath: path),
      let mode = attributes[.posixPermissions] as? NSNumber
    {
      fchmod(fd, mode_t(mode.uint16Value))
    }
    if fsync(fd) != 0 { ok = false }
    close(fd)
    guard ok, rename(temporary, path) == 0 else {
      unlink(temporary)
      throw ConfigFileError("cannot replace \(path): \(String(cString: strerror(errno)))")
    }
    let dir = open(folder, O_RDONLY)
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
