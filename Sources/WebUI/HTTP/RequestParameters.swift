// Strict parsing of every id, date and hour a request carries, before anything touches the index or
// the disk: what does not match exactly is a 400 with what to send instead.
import Hummingbird
import Identifiers
import Storage

enum RequestParameters {
  /// A `CameraID` (the same rule as folder names: it is the only gate to the file system).
  static func cameraId(_ text: String?) throws -> String {
    guard let text, let id = CameraID(text) else {
      throw APIError.badRequest("invalid camera id: use \(CameraID.rule)")
    }
    return id.rawValue
  }

  /// A positive decimal integer without sign or leading zero, at most 18 digits.
  static func clipId(_ text: String?) throws -> Int64 {
    guard let text, (1...18).contains(text.utf8.count), text.utf8.first != UInt8(ascii: "0"),
      text.utf8.allSatisfy({ (48...57).contains($0) }), let id = Int64(text), id > 0
    else { throw APIError.badRequest("invalid clip id: expected a positive whole number") }
    return id
  }

  /// A real calendar date written `YYYY-MM-DD`.
  static func day(_ text: String?, layout: DataLayout) throws -> String {
    guard let text else { throw APIError.badRequest("missing date: add ?date=YYYY-MM-DD") }
    guard layout.isValidDay(text) else {
      throw APIError.badRequest("invalid date: expected a calendar date as YYYY-MM-DD")
    }
    return text
  }

  /// Two digits, `00` to `23`.
  static func hour(_ text: String?) throws -> Int {
    guard let text else { throw APIError.badRequest("missing hour: add &hour=HH (00 to 23)") }
    let bytes = Array(text.utf8)
    guard bytes.count == 2, bytes.allSatisfy({ (48...57).contains($0) }),
      let hour = Int(text), (0...23).contains(hour)
    else { throw APIError.badRequest("invalid hour: expected two digits from 00 to 23") }
    return hour
  }

  /// Absent (nil: both), `true` or `false`.
  static func archived(_ text: String?) throws -> Bool? {
    switch text {
    case nil: return nil
    case "true": return true
    case "false": return false
    default: throw APIError.badRequest("invalid archived: use archived=true or archived=false")
    }
  }
}
