/// WebUI: the HTTP face of vms (API, WebSocket events, live MJPEG, the static UI).
///
/// What belongs here: routes, auth, JSON shapes, the browser UI's resources. What does not: FFmpeg,
/// SQL, YAML (it asks VMSRuntime and Storage).
import Foundation
import Hummingbird
import VMSRuntime

public enum WebServer {
  /// The application serving the API on `host:port`.
  public static func application(host: String, port: Int, services: WebServices) -> some ApplicationProtocol {
    let router = Router()
    HealthRoutes.add(to: router, hub: services.hub)
    return Application(
      router: router,
      configuration: .init(address: .hostname(host, port: port), serverName: "vms"))
  }
}
