// Big-endian bytes and ISO BMFF boxes (size, type, body), for the live view's fragments. A box's size
// is filled in when its body is done, so nested boxes are written in one pass.
struct BoxWriter {
  private(set) var bytes: [UInt8] = []

  init(reservingCapacity capacity: Int = 0) { bytes.reserveCapacity(capacity) }

  mutating func u8(_ value: UInt8) { bytes.append(value) }

  mutating func u16(_ value: UInt16) {
    bytes.append(UInt8(value >> 8))
    bytes.append(UInt8(truncatingIfNeeded: value))
  }

  mutating func u32(_ value: UInt32) {
    for shift in stride(from: 24, through: 0, by: -8) {
      bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift)))
    }
  }

  mutating func u64(_ value: UInt64) {
    for shift in stride(from: 56, through: 0, by: -8) {
      bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
    }
  }

  mutating func append(_ other: [UInt8]) { bytes.append(contentsOf: other) }

  /// A box: 32-bit size, four-character type, then what `body` writes.
  mutating func box(_ type: StaticString, _ body: (inout BoxWriter) -> Void) {
    let start = bytes.count
    u32(0)
    type.withUTF8Buffer { bytes.append(contentsOf: $0) }
    body(&self)
    let size = UInt32(bytes.count - start)
    for i in 0..<4 { bytes[start + i] = UInt8(truncatingIfNeeded: size >> UInt32(24 - 8 * i)) }
  }

  /// A full box: a box whose body starts with a version byte and 24 bits of flags.
  mutating func fullBox(
    _ type: StaticString, version: UInt8, flags: UInt32, _ body: (inout BoxWriter) -> Void
  ) {
    box(type) { writer in
      writer.u32(UInt32(version) << 24 | flags & 0x00FF_FFFF)
      body(&writer)
    }
  }
}

/// Reads ISO BMFF boxes out of bytes: type, body range, and children by path.
struct BoxReader {
  struct Box {
    var type: String
    /// The body, after the size and type.
    var body: Range<Int>
  }

  let bytes: [UInt8]

  /// The boxes directly inside `range`, in order; stops at the first malformed one.
  func boxes(in range: Range<Int>) -> [Box] {
    var found: [Box] = []
    var offset = range.lowerBound
    while offset + 8 <= range.upperBound {
      let size = Int(u32(at: offset))
      guard size >= 8, offset + size <= range.upperBound else { break }
      let type = String(decoding: bytes[offset + 4..<offset + 8], as: UTF8.self)
      found.append(Box(type: type, body: offset + 8..<offset + size))
      offset += size
    }
    return found
  }

  /// Every box at `path` (types from the top), such as ["moov", "trak"].
  func boxes(at path: [String]) -> [Box] {
    var level = boxes(in: 0..<bytes.count).filter { $0.type == path.first }
    for type in path.dropFirst() {
      level = level.flatMap { parent in boxes(in: parent.body).filter { $0.type == type } }
    }
    return level
  }

  func u32(at offset: Int) -> UInt32 {
    bytes[offset..<offset + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
  }

  func u64(at offset: Int) -> UInt64 {
    bytes[offset..<offset + 8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
  }
}
