// The codec parameter of a MIME type (RFC 6381), as `MediaSource.isTypeSupported` and
// `addSourceBuffer` want it: read from the decoder configuration records an MP4 init segment holds,
// so the browser is asked about exactly the stream it will get (not a guessed profile or level).
public enum CodecString {
  /// `avc1.PPCCLL`: profile, constraint flags and level from an avcC record's bytes 1 to 3.
  public static func avc1(avcC: ArraySlice<UInt8>) -> String? {
    guard avcC.count >= 4, avcC[avcC.startIndex] == 1 else { return nil }
    let bytes = avcC.dropFirst().prefix(3)
    return "avc1." + bytes.map { hex($0, width: 2) }.joined()
  }

  /// `hvc1.[A|B|C]profile.compatibility.[L|H]level[.constraints]` from an hvcC record: the
  /// compatibility flags bit-reversed, in hex without leading zeros; the six constraint bytes in hex,
  /// trailing zero bytes left out.
  public static func hvc1(hvcC: ArraySlice<UInt8>) -> String? {
    guard hvcC.count >= 13, hvcC[hvcC.startIndex] == 1 else { return nil }
    let b = Array(hvcC.prefix(13))
    let space = ["", "A", "B", "C"][Int(b[1] >> 6)]
    let tier = b[1] & 0x20 != 0 ? "H" : "L"
    let profile = b[1] & 0x1F
    let flags = b[2..<6].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    var reversed: UInt32 = 0
    for bit in 0..<32 where flags & (1 << UInt32(bit)) != 0 { reversed |= 1 << UInt32(31 - bit) }
    var constraints = Array(b[6..<12])
    while constraints.last == 0 { constraints.removeLast() }
    var parts = [
      "hvc1", "\(space)\(profile)", String(reversed, radix: 16, uppercase: true),
      "\(tier)\(b[12])",
    ]
    parts += constraints.map { hex($0, width: 2) }
    return parts.joined(separator: ".")
  }

  /// `mp4a.40.N`: the audio object type from an AudioSpecificConfig's first five bits (2 is AAC-LC).
  public static func mp4a(audioSpecificConfig: ArraySlice<UInt8>) -> String? {
    guard let first = audioSpecificConfig.first else { return nil }
    let objectType = first >> 3
    guard objectType > 0 && objectType < 31 else { return nil }
    return "mp4a.40.\(objectType)"
  }

  private static func hex(_ byte: UInt8, width: Int) -> String {
    let text = String(byte, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, width - text.count)) + text
  }
}
