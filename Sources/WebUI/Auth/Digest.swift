// SHA-256 in lowercase hex (swift-crypto), only to key caches and the session file by a digest of
// a secret instead of the secret itself. The hex form is what DATA/auth/sessions.json holds: it
// must stay the same from version to version, or every session would end at an upgrade.
import Crypto

enum Digest {
  static func sha256Hex(_ text: String) -> String { sha256Hex(bytes: Array(text.utf8)) }

  static func sha256Hex(bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var hex: [UInt8] = []
    hex.reserveCapacity(64)
    for byte in SHA256.hash(data: bytes) {
      hex.append(digits[Int(byte >> 4)])
      hex.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: hex, as: UTF8.self)
  }
}
