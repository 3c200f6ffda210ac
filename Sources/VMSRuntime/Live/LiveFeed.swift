// The live view of one camera: one JPEG encode per frame shared by every viewer, paced, and nothing
// encoded while nobody watches.
//
// The producer (the camera's detect reader) asks `wantsFrame(atSeconds:)` for each decoded frame and
// publishes the JPEGs; each viewer gets an AsyncStream that keeps only the newest frame, so a slow
// viewer skips frames and never slows the camera or the other viewers.
import Foundation
import Synchronization
import Timekeeping

public final class LiveFeed: Sendable {
  private struct State {
    var viewers: [UUID: AsyncStream<LiveFrame>.Continuation] = [:]
    /// Snapshot requests waiting for the next frame.
    var waiting = 0
    var latest: LiveFrame?
    var nextDueSeconds = 0.0
    var fps = 10.0
    var width = 640
    var showDetection = false
  }

  private let state = Mutex(State())

  public init() {}

  /// Frames per second, picture width and overlay, from the camera's `live:` settings.
  public func configure(fps: Double, width: Int, showDetection: Bool) {
    state.withLock {
      $0.fps = fps
      $0.width = width
      $0.showDetection = showDetection
    }
  }

  public var width: Int { state.withLock { $0.width } }
  public var showDetection: Bool { state.withLock { $0.showDetection } }

  /// Whether anyone watches (or waits for a snapshot) now.
  public var isWatched: Bool { state.withLock { !$0.viewers.isEmpty || $0.waiting > 0 } }

  /// Producer side: whether a frame decoded at `seconds` (monotonic) should be encoded and published.
  public func wantsFrame(atSeconds seconds: Double) -> Bool {
    state.withLock { s in
      guard !s.viewers.isEmpty || s.waiting > 0 else { return false }
      if s.waiting == 0 && seconds < s.nextDueSeconds { return false }
      let interval = s.fps > 0 ? 1 / s.fps : 0
      // Catch up after a gap rather than bursting.
      s.nextDueSeconds = max(s.nextDueSeconds + interval, seconds)
      return true
    }
  }

  /// Producer side: hands a frame to every viewer.
  public func publish(_ frame: LiveFrame) {
    let viewers = state.withLock { s in
      s.latest = frame
      return Array(s.viewers.values)
    }
    for viewer in viewers { viewer.yield(frame) }
  }

  /// The newest frame, if it is younger than `maxAgeMs`.
  public func latest(maxAgeMs: Int64 = 2000) -> LiveFrame? {
    let now = WallTime.now().sinceEpochMs
    return state.withLock { s in
      guard let frame = s.latest, now - frame.capturedAtMs <= maxAgeMs else { return nil }
      return frame
    }
  }

  /// A viewer's stream of frames. Ending the iteration (or dropping the stream) unsubscribes.
  public func subscribe() -> AsyncStream<LiveFrame> {
    let id = UUID()
    let (stream, continuation) = AsyncStream<LiveFrame>.makeStream(
      bufferingPolicy: .bufferingNewest(1))
    continuation.onTermination = { [weak self] _ in
      _ = self?.state.withLock { $0.viewers.removeValue(forKey: id) }
    }
    state.withLock { $0.viewers[id] = continuation }
    return stream
  }

  /// A fresh frame: the newest one if recent enough, else the next one encoded, waiting at most
  /// `timeoutSeconds`. Nil when the camera has no picture.
  public func snapshot(timeoutSeconds: Double = 3) async -> LiveFrame? {
    if let recent = latest(maxAgeMs: 1000) { return recent }
    state.withLock { $0.waiting += 1 }
    defer { state.withLock { $0.waiting -= 1 } }
    let deadline = Date().addingTimeInterval(timeoutSeconds)
    while Date() < deadline {
      if let recent = latest(maxAgeMs: 1000) { return recent }
      try? await Task.sleep(for: .milliseconds(50))
    }
    return nil
  }
}

/// Every camera's live feed, by camera id. A feed outlives camera restarts so viewers stay connected
/// across a reconnect or a configuration change.
public final class LiveFeeds: Sendable {
  private let feeds = Mutex<[String: LiveFeed]>([:])

  public init() {}

  public func feed(for cameraId: String) -> LiveFeed {
    feeds.withLock { feeds in
      if let feed = feeds[cameraId] { return feed }
      let feed = LiveFeed()
      feeds[cameraId] = feed
      return feed
    }
  }
}
