// Every camera's live video streams, by camera id: `main` is the record input, `sub` the detect
// input (the same stream when the camera has one input). A stream outlives camera restarts, so its
// viewers stay connected across a reconnection or a configuration change and just get the new
// generation.
import Synchronization

public enum LiveStreamKind: String, Sendable, CaseIterable {
  case main, sub
}

public final class LiveStreams: Sendable {
  private struct Entry {
    var main: LiveStream
    var sub: LiveStream
    /// False when the camera reads one input for both: `sub` is then `main`.
    var separateSub = false

    init(cameraId: String) {
      main = LiveStream(metrics: LiveVideoMetrics(cameraId: cameraId, stream: .main))
      sub = LiveStream(metrics: LiveVideoMetrics(cameraId: cameraId, stream: .sub))
    }
  }

  private let entries = Mutex<[String: Entry]>([:])

  public init() {}

  /// The stream viewers of `kind` watch for camera `cameraId`.
  public func stream(cameraId: String, _ kind: LiveStreamKind) -> LiveStream {
    entries.withLock { entries in
      let entry = entries[cameraId, default: Entry(cameraId: cameraId)]
      entries[cameraId] = entry
      return kind == .main || !entry.separateSub ? entry.main : entry.sub
    }
  }

  /// How many viewers watch each of the camera's inputs now (a camera with one input has only
  /// `main`).
  public func viewerCounts(cameraId: String) -> [LiveStreamKind: Int] {
    guard let entry = entries.withLock({ $0[cameraId] }) else { return [.main: 0, .sub: 0] }
    return [.main: entry.main.viewerCount, .sub: entry.separateSub ? entry.sub.viewerCount : 0]
  }

  /// The streams a camera's inputs feed, as it starts: (record input, detect input); one stream
  /// for both when the camera has one input.
  func inputs(cameraId: String, separateSub: Bool) -> (main: LiveStream, sub: LiveStream) {
    entries.withLock { entries in
      var entry = entries[cameraId, default: Entry(cameraId: cameraId)]
      entry.separateSub = separateSub
      entries[cameraId] = entry
      return (entry.main, separateSub ? entry.sub : entry.main)
    }
  }
}
