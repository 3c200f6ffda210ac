// Real clip files for export tests: H.264 from `SyntheticVideo` written by the recorder's own
// `ClipWriter`, one file after another with continuous camera timestamps, as continuous recording
// writes segments (or with holes between them, as events-mode clips are).
import Foundation
import VMSMedia

public enum SyntheticFootage {
  public struct File: Sendable {
    public var path: String
    /// Wall time of the file's first frame (its row's start).
    public var startMs: Int64
    public var durationMs: Int64
  }

  /// Writes one file per entry of `seconds` into `directory` (`0.mp4`, `1.mp4`...), 10 frames per
  /// second, a keyframe every second. The first starts at `startMs`; each next one where the
  /// previous ended, plus the matching entry of `holesMs` (wall time with no footage). `bFrames`:
  /// B-frames between reference frames, as some cameras send.
  public static func write(
    directory: String, startMs: Int64, seconds: [Double], holesMs: [Int64] = [],
    bFrames: Int32 = 0
  ) throws -> [File] {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let video = SyntheticVideo(
      width: 160, height: 96, fps: 10, gopSeconds: 1, codec: .h264, bFrames: bFrames)
    var files: [File] = []
    var wallMs = startMs
    for (number, length) in seconds.enumerated() {
      if number > 0, number - 1 < holesMs.count { wallMs += holesMs[number - 1] }
      let packets = video.packets(seconds: length, moving: true)
      let path = directory + "/\(number).mp4"
      let writer = try ClipWriter(
        path: path, layout: video.layout(), start: packets[0], startedAtMs: wallMs)
      for packet in packets { try writer.write(packet) }
      try writer.finish()
      let durationMs = Int64((writer.durationSeconds * 1000).rounded())
      files.append(File(path: path, startMs: wallMs, durationMs: durationMs))
      wallMs += durationMs
    }
    return files
  }
}
