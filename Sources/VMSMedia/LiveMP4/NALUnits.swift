// H.264 and H.265 access units in the two forms they travel in: Annex B (start codes 00 00 01 or
// 00 00 00 01 before each NAL unit; what RTSP cameras send) and the MP4 form (each NAL unit after its
// length in 4 bytes; what an MP4 sample holds, and what FFmpeg's avcC/hvcC declare).
public enum NALUnits {
  /// Whether `data` starts with an Annex B start code.
  public static func isAnnexB(_ data: [UInt8]) -> Bool {
    data.count >= 3 && data[0] == 0 && data[1] == 0
      && (data[2] == 1 || (data.count >= 4 && data[2] == 0 && data[3] == 1))
  }

  /// The NAL units of an Annex B access unit, without their start codes. Trailing zero bytes of a
  /// unit (the first byte of a 4-byte start code) are not part of it.
  public static func split(annexB data: [UInt8]) -> [ArraySlice<UInt8>] {
    var units: [ArraySlice<UInt8>] = []
    var start: Int?
    var i = 0
    while i + 2 < data.count {
      if data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1 {
        if let start {
          var end = i
          while end > start && data[end - 1] == 0 { end -= 1 }
          if end > start { units.append(data[start..<end]) }
        }
        i += 3
        start = i
      } else {
        i += 1
      }
    }
    if let start, start < data.count { units.append(data[start...]) }
    return units
  }

  /// The MP4 form of an access unit: Annex B is converted, anything else is taken as already in it.
  public static func lengthPrefixed(_ data: [UInt8]) -> [UInt8] {
    guard isAnnexB(data) else { return data }
    let units = split(annexB: data)
    var out: [UInt8] = []
    out.reserveCapacity(data.count + 4 * units.count)
    for unit in units {
      let length = UInt32(unit.count)
      out.append(UInt8(length >> 24))
      out.append(UInt8(truncatingIfNeeded: length >> 16))
      out.append(UInt8(truncatingIfNeeded: length >> 8))
      out.append(UInt8(truncatingIfNeeded: length))
      out.append(contentsOf: unit)
    }
    return out
  }
}
