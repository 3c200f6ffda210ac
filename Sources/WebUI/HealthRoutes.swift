// GET /api/v1/health: liveness for monitoring, with a summary of each camera's state (never its
// URL or any secret), open to unauthenticated callers.
import Foundation
import Hummingbird
import VMSRuntime

struct HealthResponse: ResponseEncodable {
  struct Camera: Codable {
    var state: String
    var error: String?
    var motion: Bool
    var recording: Bool
  }

  var status: String
  var version: String
  var cameras: [String: Camera]
}

enum HealthRoutes {
  static func add(to router: Router<some RequestContext>, hub: StatusHub) {
    router.get("/api/v1/health") { _, _ -> HealthResponse in
      var cameras: [String: HealthResponse.Camera] = [:]
      for status in await hub.snapshot() {
        cameras[status.id] = .init(
          state: status.state.rawValue, error: status.error, motion: status.motion, recording: status.recording)
      }
      return HealthResponse(status: "ok", version: VMSVersion.string, cameras: cameras)
    }
  }
}
