// H.264 and H.265 access units in the two forms they travel in: Annex B (start codes 00 00 01 or
// 00 00 00 01 before each NAL unit; what RTSP cameras send) and the MP4 form (each NAL unit after its
// length in 4 bytes; what an MP4 sample holds, and what FFmpeg's avcC/hvcC declare).
public enum NALUnits {
  /// Whether `data` starts with an Annex B start code.
  public static func isAnnexB(_ data: [UInt8]) -> Bool {
    data.withUnsafeBufferPointer { isAnnexB($0) }
  }

  public static func isAnnexB(_ data: UnsafeBufferPointer<UInt8>) -> Bool {
    data.count >= 3 && data[0] == 0 && data[1] == 0
      && (data[2] == 1 || (data.count >= 4 && data[2] == 0 && data[3] == 1))
  }

  /// The NAL units of an Annex B access unit, without their start codes. Trailing zero bytes of a
  /// unit (the first byte of a 4-byte start code) are not part of it.
  public static func split(annexB data: [UInt8]) -> [ArraySlice<UInt8>] {
    data.withUnsafeBufferPointer { units(annexB: $0) }.map { data[$0] }
  }

  /// Where the NAL units of an Annex B access unit are (see `split`).
  static func units(annexB data: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
    var units: [Range<Int>] = []
    var start: Int?
    var i = 0
    while i + 2 < data.count {
      if data[i + 2] > 1 {
        // Not a start code, nor one that begins at i + 1 or i + 2.
        i += 3
      } else if data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1 {
        if let start {
          var end = i
          while end > start && data[end - 1] == 0 { end -= 1 }
          if end > start { units.append(start..<end) }
        }
        i += 3
        start = i
      } else {
        i += 1
      }
    }
    if let start, start < data.count { units.append(start..<data.count) }
    return units
  }

  /// The MP4 form of an access unit: Annex B is converted, anything else is taken as already in it.
  public static func lengthPrefixed(_ data: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    data.withUnsafeBufferPointer { appendLengthPrefixed($0, to: &out) }
    return out
  }

  /// The Annex B form of an access unit in the MP4 form (each 4-byte length becomes a 4-byte start
  /// code: the same size); what a decoder opened on Annex B parameters takes back.
  public static func annexB(lengthPrefixed data: ArraySlice<UInt8>) -> [UInt8] {
    var out = Array(data)
    var i = 0
    while i + 4 <= out.count {
      let length = out[i..<i + 4].reduce(0) { $0 << 8 | Int($1) }
      out.replaceSubrange(i..<i + 4, with: [0, 0, 0, 1])
      i += 4 + length
    }
    return out
  }

  /// Appends the MP4 form of an access unit to `out` (see `lengthPrefixed`); its size in bytes.
  @discardableResult
  public static func appendLengthPrefixed(
    _ data: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]
  ) -> Int {
    guard isAnnexB(data) else {
      out.append(contentsOf: data)
      return data.count
    }
    let units = units(annexB: data)
    let size = units.reduce(0) { $0 + 4 + $1.count }
    out.reserveCapacity(out.count + size)
    for unit in units {
      let length = UInt32(unit.count)
      out.append(UInt8(length >> 24))
      out.append(UInt8(truncatingIfNeeded: length >> 16))
      out.append(UInt8(truncatingIfNeeded: length >> 8))
      out.append(UInt8(truncatingIfNeeded: length))
      out.append(contentsOf: UnsafeBufferPointer(rebasing: data[unit]))
    }
    return size
  }
}
