// AAC frames in the two forms they travel in: raw (what RTSP's MPEG4-GENERIC carries and an MP4
// sample holds) and behind an ADTS header (MPEG-TS, some cameras). The live view's audio track wants
// the raw form.
public enum AACFrames {
  /// The raw frame: `data` without its ADTS header when it has one (7 bytes, 9 with a CRC).
  public static func raw(_ data: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
    guard data.count >= 7, data[0] == 0xFF, data[1] & 0xF6 == 0xF0 else { return data }
    let header = data[1] & 0x01 == 0 ? 9 : 7
    guard data.count > header else { return data }
    return UnsafeBufferPointer(rebasing: data[header...])
  }
}
