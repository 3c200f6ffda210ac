// HTTP Range requests on clip files (RFC 9110 section 14): one range of bytes, which is what video
// elements ask for. Several ranges in one request are answered with the whole file (allowed: a
// server may ignore Range), rather than with multipart/byteranges no player needs.
import Foundation

enum ByteRange: Equatable {
  /// No usable Range header: send the whole file with 200.
  case whole
  /// Send bytes `range` (inclusive bounds within the file) with 206.
  case partial(ClosedRange<Int64>)
  /// 416 with `Content-Range: bytes */size`.
  case unsatisfiable

  /// Interprets a `Range` header against a file of `size` bytes.
  static func parse(_ header: String?, size: Int64) -> ByteRange {
    guard let header else { return .whole }
    let trimmed = header.trimmingCharacters(in: .whitespaces)
    guard trimmed.lowercased().hasPrefix("bytes=") else { return .whole }  // unknown unit: ignore
    let spec = trimmed.dropFirst(6).trimmingCharacters(in: .whitespaces)
    guard !spec.contains(",") else { return .whole }
    guard let dash = spec.firstIndex(of: "-") else { return .unsatisfiable }
    let first = spec[..<dash].trimmingCharacters(in: .whitespaces)
    let last = spec[spec.index(after: dash)...].trimmingCharacters(in: .whitespaces)
    guard first.allSatisfy(\.isASCIIDigit), last.allSatisfy(\.isASCIIDigit),
      first.count <= 18, last.count <= 18
    else { return .unsatisfiable }
    if first.isEmpty {
      // Suffix range: the last N bytes.
      guard let count = Int64(last), count > 0, size > 0 else { return .unsatisfiable }
      return .partial(max(0, size - count)...(size - 1))
    }
    guard let start = Int64(first), start < size else { return .unsatisfiable }
    if last.isEmpty { return .partial(start...(size - 1)) }
    guard let end = Int64(last), end >= start else { return .unsatisfiable }
    return .partial(start...min(end, size - 1))
  }
}

extension Character {
  var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
