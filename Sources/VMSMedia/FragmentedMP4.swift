// What survives in a fragmented MP4 whose writing was cut short (a full disk, a kill -9, a power
// cut): every complete `moof`+`mdat` pair after the `moov`. `trimToCompleteFragments` cuts a
// half-written fragment off the end, so the file decodes cleanly and its size is what the index says.
import Foundation

public enum FragmentedMP4 {
  /// Bytes of `path` up to the end of its last complete fragment (or of its `moov`, when no fragment
  /// is complete yet). Throws when even the header is incomplete.
  public static func completeLength(of path: String) throws(MediaError) -> Int64 {
    guard let file = FileHandle(forReadingAtPath: path) else {
      throw MediaError("cannot open \(path)")
    }
    defer { try? file.close() }
    let fileSize = Int64((try? file.seekToEnd()) ?? 0)
    var offset: Int64 = 0
    var complete: Int64?
    var pendingFragment = false
    while offset + 8 <= fileSize {
      guard (try? file.seek(toOffset: UInt64(offset))) != nil,
        let header = try? file.read(upToCount: 16),
        header.count >= 8
      else { break }
      let bytes = [UInt8](header)
      var size = Int64(bytes[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
      let type = String(decoding: bytes[4..<8], as: UTF8.self)
      if size == 1 {  // 64-bit size after the type
        guard bytes.count >= 16 else { break }
        let wide = bytes[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard wide <= UInt64(fileSize) else { break }  // cut short, or garbage: never trap on it
        size = Int64(wide)
      }
      // Size 0 ("to the end of the file") is what a box being written says: not complete.
      guard size >= 8, size <= fileSize - offset else { break }
      offset += size
      switch type {
      case "moov": complete = offset
      case "moof": pendingFragment = true
      case "mdat":
        if pendingFragment, complete != nil { complete = offset }
        pendingFragment = false
      case "mfra", "free", "skip":  // the trailer's index, padding: harmless after a fragment
        if !pendingFragment, complete != nil { complete = offset }
      default:
        break  // anything else (a zero-filled tail) keeps nothing more
      }
    }
    guard let complete else { throw MediaError("\(path) has no complete header (moov)") }
    return complete
  }

  /// Cuts `path` to its complete fragments; returns its new size.
  @discardableResult
  public static func trimToCompleteFragments(_ path: String) throws(MediaError) -> Int64 {
    let length = try completeLength(of: path)
    guard truncate(path, off_t(length)) == 0 else {
      throw MediaError("cannot trim \(path): \(String(cString: strerror(errno)))")
    }
    return length
  }
}
