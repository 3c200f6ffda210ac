// Start-up repair of clips a crash left in `recording` (storage invariant 2): each file is read
// to its last complete fragment; what is playable is kept and marked complete with its real
// duration, and a row whose file is missing or holds no frame is removed.
import Foundation
import Logging
import Storage

public enum ClipRepair {
  public struct Summary: Sendable, Equatable {
    public var completed = 0
    public var removed = 0
    public init() {}
  }

  public static func run(index: ClipIndex, log: Logger) -> Summary {
    var summary = Summary()
    let open: [ClipRecord]
    do {
      open = try index.clips(inState: .recording)
    } catch {
      log.error("start-up repair: cannot read the index: \(error)")
      return summary
    }
    for clip in open {
      guard let path = try? index.absolutePath(of: clip.file) else { continue }
      do {
        let probe = try MediaProbe.probe(path: path)
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let sizeBytes = (attributes?[.size] as? NSNumber)?.int64Value ?? 0
        let durationMs = Int64((probe.durationSeconds * 1000).rounded())
        let thumbnail = clip.thumbnail.flatMap { try? index.absolutePath(of: $0) }
        let hasThumbnail = thumbnail.map { FileManager.default.fileExists(atPath: $0) } ?? false
        try index.finishClip(
          id: clip.id, endMs: clip.startMs + durationMs, durationMs: durationMs, sizeBytes: sizeBytes,
          hasThumbnail: hasThumbnail)
        summary.completed += 1
        log.notice("repaired clip \(clip.file): \(String(format: "%.1f", probe.durationSeconds)) s kept after an unclean stop")
      } catch {
        log.warning("clip \(clip.file) left by an unclean stop has nothing playable (\(error)); removing it")
        do {
          try index.deleteClip(id: clip.id)
          summary.removed += 1
        } catch {
          log.error("cannot remove clip \(clip.file): \(error)")
        }
      }
    }
    return summary
  }
}
