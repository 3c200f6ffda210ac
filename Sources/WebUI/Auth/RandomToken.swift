// Unguessable strings from the system's CSPRNG (getrandom on Linux, through
// SystemRandomNumberGenerator).

enum RandomToken {
  /// 256 random bits as 64 lowercase hex digits: the session cookie value.
  static func sessionToken() -> String {
    var generator = SystemRandomNumberGenerator()
    return (0..<32).map { _ in
      let byte = UInt8.random(in: .min ... .max, using: &generator)
      let digits = String(byte, radix: 16)
      return byte < 16 ? "0" + digits : digits
    }.joined()
  }

  /// A password a person can type: 20 characters from 31 unambiguous ones (about 99 bits), in groups.
  static func password() -> String {
    let alphabet = Array("abcdefghjkmnpqrstuvwxyz23456789")  // no i, l, o, 0, 1
    var generator = SystemRandomNumberGenerator()
    let characters = (0..<20).map { _ in alphabet.randomElement(using: &generator)! }
    return stride(from: 0, to: 20, by: 5).map { String(characters[$0..<$0 + 5]) }.joined(
      separator: "-")
  }
}
