import Foundation
import Identifiers

/// Everything Storage can refuse or fail at. Messages name the path or value involved and, where the
/// user can act, what to do, because they end up in logs and HTTP error bodies.
public enum StorageError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
  case invalidCameraId(String)
  case invalidDay(String)
  case unsafePath(String)
  /// A clip file whose name is no instant of its day (a time a DST change skipped) and which carries
  /// no creation time of its own.
  case undatable(String)
  case dataDirectoryUnusable(path: String, reason: String)
  case databaseCorrupt(path: String, reason: String)
  case databaseTooNew(path: String, unknownMigrations: [String])
  case databaseUnavailable(path: String, reason: String)
  case clipNotFound(id: Int64)
  case clipNotRecording(id: Int64)
  case noFreeFileName(base: String)
  case fileOperationFailed(path: String, reason: String)

  public var description: String {
    switch self {
    case .invalidCameraId(let id):
      return "invalid camera id \(Self.quoted(id)): use \(CameraID.rule)"
    case .invalidDay(let day):
      return "invalid day \(Self.quoted(day)): expected a calendar date as YYYY-MM-DD"
    case .unsafePath(let path):
      return
        "refused path \(Self.quoted(path)): stored paths must be relative, under recordings/ or archives/, without '..' or NUL"
    case .undatable(let path):
      return
        "cannot tell when \(Self.quoted(path)) was recorded: its name is no time of that day (an hour skipped by a daylight-saving change?) and the file carries no creation time; rename it to the local time it was recorded, or move it out of the data directory"
    case .dataDirectoryUnusable(let path, let reason):
      return
        "data directory \(path): \(reason): create it or point server.data_dir at a writable directory owned by the vms user"
    case .databaseCorrupt(let path, let reason):
      return
        "database \(path) is corrupt or not a SQLite file (\(reason)): stop vms, move the file aside (keep it for recovery) and start again to rebuild an empty index"
    case .databaseTooNew(let path, let unknownMigrations):
      return
        "database \(path) was written by a newer vms (unknown migrations: \(unknownMigrations.joined(separator: ", "))): run that version or newer"
    case .databaseUnavailable(let path, let reason):
      return "database \(path): \(reason): check that the file and its directory are writable"
    case .clipNotFound(let id):
      return "clip \(id) does not exist"
    case .clipNotRecording(let id):
      return "clip \(id) is not being recorded (already complete)"
    case .noFreeFileName(let base):
      return "no free file name for clip \(base) after many attempts: check the data directory"
    case .fileOperationFailed(let path, let reason):
      return "\(path): \(reason)"
    }
  }

  public var errorDescription: String? { description }

  /// Request strings can carry control characters; never echo them raw into a log line.
  private static func quoted(_ value: String) -> String {
    let escaped = value.unicodeScalars.map { scalar -> String in
      scalar.value < 0x20 || scalar.value == 0x7F
        ? "\\u{\(String(scalar.value, radix: 16))}" : String(scalar)
    }.joined()
    let limited = escaped.count > 80 ? escaped.prefix(80) + "..." : Substring(escaped)
    return "\"\(limited)\""
  }
}
