// Camera ids for the original program's cameras, which it keyed by display name: lowercase ASCII
// (accents dropped, "Entrée principale" -> "entree-principale"), every other run of characters a
// single `-`, at most 64 characters, unique among the ids already taken.
import Foundation

public enum SeedCameraId {
  /// The id a camera name maps to (before making it unique).
  public static func slug(_ name: String) -> String {
    var out = ""
    var pendingDash = false
    for scalar in name.decomposedStringWithCanonicalMapping.unicodeScalars {
      let piece: String
      switch scalar {
      case "a"..."z", "0"..."9": piece = String(scalar)
      case "A"..."Z": piece = String(scalar).lowercased()
      case "ß": piece = "ss"
      case "æ", "Æ": piece = "ae"
      case "œ", "Œ": piece = "oe"
      case "ø", "Ø": piece = "o"
      case "ł", "Ł": piece = "l"
      case "đ", "Đ": piece = "d"
      default:
        // Combining marks (the accents split off above) vanish; anything else separates words.
        if scalar.properties.generalCategory == .nonspacingMark { continue }
        pendingDash = !out.isEmpty
        continue
      }
      if pendingDash { out += "-" }
      pendingDash = false
      out += piece
    }
    if out.count > 60 {
      out = String(out.prefix(60)).trimmingCharacters(in: CharacterSet(charactersIn: "-"))
    }
    return out.isEmpty ? "camera" : out
  }

  /// `slug(name)`, or `slug-2`, `slug-3`... when taken.
  public static func unique(_ name: String, taken: Set<String>) -> String {
    let base = slug(name)
    if !taken.contains(base) { return base }
    var n = 2
    while taken.contains("\(base)-\(n)") { n += 1 }
    return "\(base)-\(n)"
  }
}
