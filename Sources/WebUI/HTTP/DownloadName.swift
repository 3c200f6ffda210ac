// The file name a downloaded clip is saved as: `CameraName_YYYY-MM-DD_HH_MM_SS_Comment.mp4`, and an
// export `CameraName_YYYY-MM-DD_HH-MM-SS_to_HH-MM-SS.mp4`; ASCII only, so it survives every file
// system, archive tool and mail client.
import Foundation

enum DownloadName {
  static let maxNameLength = 40
  static let maxCommentLength = 60

  /// `day` is `YYYY-MM-DD`, `timeOfDay` is `HH-MM-SS` (the clip's local start).
  static func make(cameraName: String, day: String, timeOfDay: String, comment: String) -> String {
    var name = ascii(cameraName, limit: maxNameLength)
    if name.isEmpty { name = "camera" }
    let time = timeOfDay.replacingOccurrences(of: "-", with: "_")
    var result = "\(name)_\(day)_\(time)"
    let note = ascii(comment, limit: maxCommentLength)
    if !note.isEmpty { result += "_" + note }
    return result + ".mp4"
  }

  /// An export: `CameraName_YYYY-MM-DD_HH-MM-SS_to_HH-MM-SS.mp4`, the end's date written too when
  /// it is another day. Days are `YYYY-MM-DD`, times `HH-MM-SS` (local, like clips).
  static func export(
    cameraName: String, start: (day: String, timeOfDay: String),
    end: (day: String, timeOfDay: String)
  ) -> String {
    var name = ascii(cameraName, limit: maxNameLength)
    if name.isEmpty { name = "camera" }
    let endText = end.day == start.day ? end.timeOfDay : "\(end.day)_\(end.timeOfDay)"
    return "\(name)_\(start.day)_\(start.timeOfDay)_to_\(endText).mp4"
  }

  /// Letters transliterated to ASCII (accents dropped, ligatures spelled out), whitespace turned
  /// into `_`, anything outside `A-Z a-z 0-9 _ -` dropped, runs of `_` collapsed, trimmed of `_` and
  /// `-` at the ends, at most `limit` characters.
  static func ascii(_ text: String, limit: Int) -> String {
    var out = ""
    for scalar in text.decomposedStringWithCompatibilityMapping.unicodeScalars {
      if let spelled = spelledOut[scalar] {
        out += spelled
      } else if scalar.properties.isWhitespace {
        out += "_"
      } else if scalar.isASCII, isAllowed(UInt8(scalar.value)) {
        out.unicodeScalars.append(scalar)
      }
      // Everything else (combining accents left by the decomposition, '/', '.', emoji...) is dropped.
    }
    while out.contains("__") { out = out.replacingOccurrences(of: "__", with: "_") }
    out = String(out.drop { $0 == "_" || $0 == "-" })
    while let last = out.last, last == "_" || last == "-" { out.removeLast() }
    if out.count > limit {
      out = String(out.prefix(limit))
      while let last = out.last, last == "_" || last == "-" { out.removeLast() }
    }
    return out
  }

  private static func isAllowed(_ byte: UInt8) -> Bool {
    (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || byte == 95
      || byte == 45
  }

  /// Letters that do not decompose into an ASCII letter plus accents.
  private static let spelledOut: [Unicode.Scalar: String] = [
    "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D",
    "ł": "l", "Ł": "L", "þ": "th", "Þ": "Th", "ð": "d", "Ð": "D", "ı": "i", "ħ": "h", "Ħ": "H",
    "ŋ": "n", "Ŋ": "N", "ŧ": "t", "Ŧ": "T",
  ]
}
