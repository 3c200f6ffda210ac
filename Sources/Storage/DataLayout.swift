import Foundation
import Identifiers
import Timekeeping

/// The two trees clip files live in. Archiving moves a clip from one to the other under the same
/// camera/day/time name, so the name is allocated unique across both.
public enum ClipTree: String, Sendable, CaseIterable {
  case recordings
  case archives
}

/// Every path under the data directory, built only from a validated camera id, a local date and a local
/// time (invariant 5): nothing a request sends is ever joined into a path here.
///
/// ```
/// DATA/vms.sqlite
/// DATA/recordings/CAMERA_ID/YYYY-MM-DD/HH-MM-SS.mp4   (+ HH-MM-SS.jpg beside it)
/// DATA/archives/CAMERA_ID/YYYY-MM-DD/HH-MM-SS.mp4
/// DATA/exports/ID.mp4                                 (ID.mp4.partial while it is written)
/// ```
/// Days and times are those of `timeZone` (the process's zone by default); tests inject a fixed zone so
/// they do not depend on the machine's.
public struct DataLayout: Sendable {
  public static let databaseFileName = "vms.sqlite"

  /// Absolute, standardised, without a trailing slash.
  public let rootPath: String
  public let timeZone: TimeZone
  private let calendar: Calendar

  public init(rootPath: String, timeZone: TimeZone = .current) {
    let absolute =
      rootPath.hasPrefix("/")
      ? rootPath : FileManager.default.currentDirectoryPath + "/" + rootPath
    var standardized = URL(fileURLWithPath: absolute).standardized.path
    while standardized.count > 1 && standardized.hasSuffix("/") {
      standardized.removeLast()
    }
    self.rootPath = standardized
    self.timeZone = timeZone
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = timeZone
    self.calendar = calendar
  }

  public var databasePath: String { rootPath + "/" + Self.databaseFileName }

  public func absolutePath(of tree: ClipTree) -> String { rootPath + "/" + tree.rawValue }

  // MARK: Exports

  /// The folder exports live in: beside the clip trees, never walked by the consistency check of
  /// clips, never touched by retention (an export stays until a user deletes it).
  public static let exportsFolder = "exports"

  public var exportsPath: String { rootPath + "/" + Self.exportsFolder }

  /// `exports/ID.mp4`, as the index stores it: built from the row's id alone.
  public static func exportRelativePath(id: Int64) -> String {
    precondition(id > 0, "export ids are positive")
    return "\(exportsFolder)/\(id).mp4"
  }

  /// Where an export is written, and the name it has while it is written.
  public func exportPaths(id: Int64) -> (final: String, partial: String) {
    let final = rootPath + "/" + Self.exportRelativePath(id: id)
    return (final, final + ".partial")
  }

  /// The export id a file name of `exports/` belongs to (`ID.mp4` or `ID.mp4.partial`), else nil.
  public static func exportId(ofFileName name: String) -> Int64? {
    var stem = Substring(name)
    if stem.hasSuffix(".partial") { stem = stem.dropLast(8) }
    guard stem.hasSuffix(".mp4") else { return nil }
    let digits = stem.dropLast(4)
    guard (1...18).contains(digits.utf8.count), digits.utf8.first != UInt8(ascii: "0"),
      digits.utf8.allSatisfy({ (48...57).contains($0) })
    else { return nil }
    return Int64(digits)
  }

  // MARK: Camera ids

  /// The checked id, or `StorageError.invalidCameraId`. Every path and query that takes a camera id
  /// passes here first; the rule itself is `CameraID`'s (safe as one path component, never `.` or `..`).
  @discardableResult
  public static func validateCameraId(_ cameraId: String) throws -> CameraID {
    guard let id = CameraID(cameraId) else { throw StorageError.invalidCameraId(cameraId) }
    return id
  }

  // MARK: Clip paths (relative to the root, as stored in the index)

  /// `TREE/CAMERA_ID/YYYY-MM-DD/HH-MM-SS.mp4`, or `HH-MM-SS-N.mp4` for the N-th extra clip that starts
  /// in the same local second.
  public func clipRelativePath(
    in tree: ClipTree, cameraId: String, startMs: Int64, sequence: Int = 0
  ) throws -> String {
    try Self.validateCameraId(cameraId)
    precondition(sequence >= 0, "clip sequence must not be negative")
    let time = localTime(ofMs: startMs)
    let suffix = sequence == 0 ? "" : "-\(sequence)"
    return "\(tree.rawValue)/\(cameraId)/\(time.day)/\(time.timeOfDay)\(suffix).mp4"
  }

  /// `TREE/CAMERA_ID/YYYY-MM-DD`, the folder a clip of that day lives in.
  public func dayDirectoryRelativePath(in tree: ClipTree, cameraId: String, day: String) throws
    -> String
  {
    try Self.validateCameraId(cameraId)
    _ = try msRange(ofDay: day)
    return "\(tree.rawValue)/\(cameraId)/\(day)"
  }

  /// The JPEG beside a clip: same name, `.jpg` instead of `.mp4`.
  public static func thumbnailRelativePath(ofClip clipRelativePath: String) -> String {
    let stem =
      clipRelativePath.hasSuffix(".mp4")
      ? String(clipRelativePath.dropLast(4)) : clipRelativePath
    return stem + ".jpg"
  }

  /// The same clip name in the other tree (for archiving). The input must be a safe stored path.
  public func relativePath(_ relative: String, movedTo tree: ClipTree) throws -> String {
    let components = try Self.safeComponents(of: relative)
    return ([Substring(tree.rawValue)] + components.dropFirst()).joined(separator: "/")
  }

  /// The absolute path of a path stored in the index, refused unless it provably stays inside the data
  /// directory: relative, under `recordings/` or `archives/`, no empty, `.` or `..` component, no NUL.
  /// The check is lexical on purpose: symbolic links inside the data directory (a tree on another disk)
  /// are the administrator's choice and keep working.
  public func absolutePath(of relative: String) throws -> String {
    _ = try Self.safeComponents(of: relative)
    return rootPath + "/" + relative
  }

  private static func safeComponents(of relative: String) throws -> [Substring] {
    guard !relative.isEmpty, !relative.hasPrefix("/"), !relative.utf8.contains(0) else {
      throw StorageError.unsafePath(relative)
    }
    let components = relative.split(separator: "/", omittingEmptySubsequences: false)
    guard components.count >= 2,
      ClipTree.allCases.contains(where: { $0.rawValue == components[0] }),
      components.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." })
    else { throw StorageError.unsafePath(relative) }
    return components
  }

  // MARK: Local days and times

  /// The local date (`YYYY-MM-DD`) and time (`HH-MM-SS`) of an instant, to the second below it.
  public func localTime(ofMs ms: Int64) -> (day: String, timeOfDay: String) {
    let date = WallTime(sinceEpochMs: ms).flooredToSecond.date
    let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
    let day =
      "\(Self.pad(parts.year ?? 0, 4))-\(Self.pad(parts.month ?? 0, 2))-\(Self.pad(parts.day ?? 0, 2))"
    let timeOfDay =
      "\(Self.pad(parts.hour ?? 0, 2))-\(Self.pad(parts.minute ?? 0, 2))-\(Self.pad(parts.second ?? 0, 2))"
    return (day, timeOfDay)
  }

  public func localDay(ofMs ms: Int64) -> String { localTime(ofMs: ms).day }

  /// The instants `[start, next day's start)` of a local day, in epoch milliseconds. A day is 23 or 25 hours
  /// long when daylight saving time changes, so this is computed, never `day * 86_400_000`.
  public func msRange(ofDay day: String) throws -> Range<Int64> {
    guard let (year, month, dayOfMonth) = Self.parseDay(day) else {
      throw StorageError.invalidDay(day)
    }
    // Noon exists on every day in every zone; midnight does not (some zones change time at 00:00).
    let noonParts = DateComponents(year: year, month: month, day: dayOfMonth, hour: 12)
    guard let noon = calendar.date(from: noonParts),
      calendar.dateComponents([.year, .month, .day], from: noon)
        == DateComponents(year: year, month: month, day: dayOfMonth),
      let nextNoon = calendar.date(byAdding: .day, value: 1, to: noon)
    else { throw StorageError.invalidDay(day) }
    let start = calendar.startOfDay(for: noon)
    let end = calendar.startOfDay(for: nextNoon)
    return Self.ms(of: start)..<Self.ms(of: end)
  }

  public func isValidDay(_ day: String) -> Bool { (try? msRange(ofDay: day)) != nil }

  private static func parseDay(_ day: String) -> (Int, Int, Int)? {
    let bytes = Array(day.utf8)
    guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else {
      return nil
    }
    func number(_ range: Range<Int>) -> Int? {
      var value = 0
      for byte in bytes[range] {
        guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
        value = value * 10 + Int(byte - UInt8(ascii: "0"))
      }
      return value
    }
    guard let year = number(0..<4), let month = number(5..<7), let dayOfMonth = number(8..<10),
      year >= 1, (1...12).contains(month), (1...31).contains(dayOfMonth)
    else { return nil }
    return (year, month, dayOfMonth)
  }

  private static func ms(of date: Date) -> Int64 { WallTime(date).sinceEpochMs }

  private static func pad(_ value: Int, _ width: Int) -> String {
    let digits = String(value)
    return digits.count >= width
      ? digits : String(repeating: "0", count: width - digits.count) + digits
  }
}
