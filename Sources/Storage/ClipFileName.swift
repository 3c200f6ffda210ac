import Foundation
import Identifiers
import Timekeeping

/// What a stored path says about its clip: `TREE/CAMERA_ID/YYYY-MM-DD/HH-MM-SS[-N].mp4|jpg`, parsed
/// back (the inverse of `DataLayout.clipRelativePath`), so a file found without a row can be adopted
/// with its camera, tree and start time.
public struct ClipFileName: Sendable, Equatable, Hashable {
  public enum Kind: String, Sendable {
    case video = "mp4"
    case thumbnail = "jpg"
  }

  public var tree: ClipTree
  public var cameraId: String
  public var day: String
  /// `HH-MM-SS`, local time of the layout's zone.
  public var timeOfDay: String
  public var sequence: Int
  public var kind: Kind

  /// Parses a relative path, or nil when the name is not one vms writes.
  public init?(relativePath: String, layout: DataLayout) {
    let parts = relativePath.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 4, let tree = ClipTree(rawValue: String(parts[0])),
      CameraID.isValid(String(parts[1])), layout.isValidDay(String(parts[2]))
    else { return nil }
    let name = parts[3]
    let kind: Kind
    if name.hasSuffix(".mp4") {
      kind = .video
    } else if name.hasSuffix(".jpg") {
      kind = .thumbnail
    } else {
      return nil
    }
    let stem = Array(name.dropLast(4).utf8)
    // HH-MM-SS, then optionally -N (N > 0, no leading zero: the writer never makes one).
    guard stem.count >= 8, stem[2] == UInt8(ascii: "-"), stem[5] == UInt8(ascii: "-"),
      let hour = Self.number(stem[0..<2]), let minute = Self.number(stem[3..<5]),
      let second = Self.number(stem[6..<8]), hour < 24, minute < 60, second < 60
    else { return nil }
    var sequence = 0
    if stem.count > 8 {
      guard stem[8] == UInt8(ascii: "-"), stem.count > 9, stem[9] != UInt8(ascii: "0"),
        stem.count <= 13, let value = Self.number(stem[9...])
      else { return nil }
      sequence = value
    }
    self.tree = tree
    self.cameraId = String(parts[1])
    self.day = String(parts[2])
    self.timeOfDay = String(decoding: stem[0..<8], as: UTF8.self)
    self.sequence = sequence
    self.kind = kind
  }

  /// The instant the name stands for, in epoch milliseconds (to the second). In the hour a fall-back
  /// repeats, the earlier instant is taken: the name alone cannot tell them apart.
  public func startMs(in layout: DataLayout) -> Int64? {
    guard let dayRange = try? layout.msRange(ofDay: day) else { return nil }
    let digits = timeOfDay.split(separator: "-").compactMap { Int($0) }
    guard digits.count == 3 else { return nil }
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = layout.timeZone
    let dayStart = WallTime(sinceEpochMs: dayRange.lowerBound).date
    let parts = calendar.dateComponents([.year, .month, .day], from: dayStart)
    var wanted = parts
    wanted.hour = digits[0]
    wanted.minute = digits[1]
    wanted.second = digits[2]
    guard let date = calendar.date(from: wanted) else { return nil }
    let ms = WallTime(date).sinceEpochMs
    // A time skipped by spring-forward does not exist (the calendar would move it an hour on): the
    // name cannot come from vms, so it must read back to itself.
    guard dayRange.contains(ms), layout.localTime(ofMs: ms) == (day, timeOfDay) else { return nil }
    return ms
  }

  /// The path of the clip video this name belongs to (itself for a video).
  public var videoRelativePath: String {
    "\(tree.rawValue)/\(cameraId)/\(day)/\(timeOfDay)\(sequence == 0 ? "" : "-\(sequence)").mp4"
  }

  private static func number(_ bytes: ArraySlice<UInt8>) -> Int? {
    guard !bytes.isEmpty else { return nil }
    var value = 0
    for byte in bytes {
      guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
      value = value * 10 + Int(byte - UInt8(ascii: "0"))
    }
    return value
  }
}
