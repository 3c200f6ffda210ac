// Dotted version numbers (`0.10.2`, `v1.2`) compared part by part as numbers, so 0.10 > 0.9.
import Foundation

struct VersionNumber: Comparable, Sendable {
  let parts: [Int]

  /// Nil when `text` is not digits separated by dots (a leading `v` and a `-suffix` are allowed
  /// and the suffix is ignored).
  init?(_ text: String) {
    var core = Substring(text.trimmingCharacters(in: .whitespaces))
    if core.first == "v" || core.first == "V" { core = core.dropFirst() }
    if let dash = core.firstIndex(where: { $0 == "-" || $0 == "+" }) { core = core[..<dash] }
    let pieces = core.split(separator: ".", omittingEmptySubsequences: false)
    guard !pieces.isEmpty, pieces.count <= 6 else { return nil }
    var parts: [Int] = []
    for piece in pieces {
      guard !piece.isEmpty, piece.count <= 9, piece.allSatisfy(\.isASCIIDigit),
        let value = Int(piece)
      else {
        return nil
      }
      parts.append(value)
    }
    self.parts = parts
  }

  static func < (lhs: VersionNumber, rhs: VersionNumber) -> Bool {
    for i in 0..<max(lhs.parts.count, rhs.parts.count) {
      let a = i < lhs.parts.count ? lhs.parts[i] : 0
      let b = i < rhs.parts.count ? rhs.parts[i] : 0
      if a != b { return a < b }
    }
    return false
  }

  static func == (lhs: VersionNumber, rhs: VersionNumber) -> Bool { !(lhs < rhs) && !(rhs < lhs) }
}
