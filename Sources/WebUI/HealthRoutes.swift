// GET /api/v1/health: liveness for monitoring, with a summary of each camera's state (never its
// URL or any secret), open to unauthenticated callers. It answers 503 ("degraded") once an
// enabled camera has been down longer than `server.health_down_after`, so a plain HTTP check in a
// monitoring system notices a dead camera, not only a dead server.
import Foundation
import HTTPTypes
import Hummingbird
import Timekeeping
import VMSRuntime

struct HealthResponse: Encodable {
  struct Camera: Encodable {
    var state: String
    var error: String?
    var motion: Bool
    var recording: Bool
    /// Seconds since the camera was last connected; absent while connected or disabled.
    var downForSeconds: Int?
    /// `detector.decode` in force (`all` or `keyframes`) and what runs now; absent while the
    /// detect stream is not decoded.
    var detectDecode: String?
    var detectDecodingNow: String?
    var detectGOPSeconds: Double?
    /// Live video viewers now, by input watched: {"main": N, "sub": M}.
    var liveViewers: [String: Int]

    enum CodingKeys: String, CodingKey {
      case state, error, motion, recording
      case downForSeconds = "down_for_seconds"
      case detectDecode = "detect_decode"
      case detectDecodingNow = "detect_decoding_now"
      case detectGOPSeconds = "detect_gop_seconds"
      case liveViewers = "live_viewers"
    }
  }

  var status: String
  var version: String
  var cameras: [String: Camera]
}

enum HealthRoutes {
  /// `downAfterSeconds`: the configured `server.health_down_after` (0 = never degraded).
  static func add(
    to router: Router<some RequestContext>, hub: StatusHub, liveVideo: LiveStreams,
    downAfterSeconds: @escaping @Sendable () async -> Double
  ) {
    router.get("/api/v1/health") { _, _ -> Response in
      let nowMs = WallTime.now().sinceEpochMs
      let limit = await downAfterSeconds()
      var cameras: [String: HealthResponse.Camera] = [:]
      var degraded = false
      for status in await hub.snapshot() {
        let downFor = status.downSinceMs.map { Int((nowMs - $0) / 1000) }
        if let downFor, limit > 0, Double(downFor) >= limit { degraded = true }
        let viewers = liveVideo.viewerCounts(cameraId: status.id)
        cameras[status.id] = .init(
          state: status.state.rawValue, error: status.error, motion: status.motion,
          recording: status.recording,
          downForSeconds: downFor, detectDecode: status.detectDecode?.mode,
          detectDecodingNow: status.detectDecode?.now,
          detectGOPSeconds: status.detectDecode?.gopSeconds,
          liveViewers: Dictionary(uniqueKeysWithValues: viewers.map { ($0.key.rawValue, $0.value) })
        )
      }
      let body = HealthResponse(
        status: degraded ? "degraded" : "ok", version: VMSVersion.string, cameras: cameras)
      return JSONBody.response(body, status: degraded ? .serviceUnavailable : .ok)
    }
  }
}
