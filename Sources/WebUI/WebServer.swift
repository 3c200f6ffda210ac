/// WebUI: the HTTP face of vms (API, WebSocket events, live MJPEG, the static UI).
///
/// What belongs here: routes, auth, JSON shapes, the browser UI's resources. What does not: FFmpeg,
/// SQL, YAML (it asks VMSRuntime and Storage).
///
/// Layout: `Auth/` (accounts, sessions, Basic, the gate middleware), `Routes/` (one file per group
/// of docs/api.md), `HTTP/` (Range, file streaming, parameter validation, download names, the
/// request-head limits enforced in front of NIO's parser),
/// `JSON/` (answer shapes), `Middleware/` (errors, security headers), `Static/` (UI files),
/// `Updates/` (release feed).
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import VMSConfig
import VMSRuntime

public enum WebServer {
  /// The application serving the API and the UI on `host:port`.
  ///
  /// `configuration` is the configuration loaded at start, used until the supervisor has applied
  /// it (users and cameras are then read from `supervisor.configuration`, so hot reloads apply).
  public static func application(
    host: String, port: Int, services: WebServices, authenticator: Authenticator,
    configuration: VMSConfiguration? = nil, log: Logger = Logger(label: "vms.web")
  ) -> some ApplicationProtocol {
    let supervisor = services.supervisor
    let fallbackFeed = configuration?.updates.feedURL
    let updates = UpdateChecker(
      currentVersion: VMSVersion.string,
      feedURL: {
        // Once a configuration is applied it decides, a removed feed_url included.
        if let applied = await supervisor.configuration { return applied.updates.feedURL }
        return fallbackFeed
      }, log: log)
    let environment = WebEnvironment(
      services: services, authenticator: authenticator, initialConfiguration: configuration,
      updates: updates)
    let router = makeRouter(environment: environment, staticFiles: .bundled())
    return Application(
      router: router,
      server: .guardedHTTP1WebSocketUpgrade(webSocketRouter: router),
      configuration: .init(address: .hostname(host, port: port), serverName: "vms"),
      onServerRunning: { _ in await updates.startOnce() },
      logger: log)
  }

  /// Every route and middleware; separate from `application` so tests drive it without a socket.
  static func makeRouter(environment: WebEnvironment, staticFiles: StaticFiles) -> Router<
    VMSRequestContext
  > {
    let router = Router(context: VMSRequestContext.self)
    // Outermost first: every answer, errors included, gets the security headers; errors become
    // JSON; UI files are served before the auth gate; everything under /api/, and /metrics, passes
    // the gate.
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: StaticFilesMiddleware(files: staticFiles))
    router.add(middleware: AuthMiddleware(authenticator: environment.authenticator))
    HealthRoutes.add(
      to: router, hub: environment.services.hub,
      liveVideo: environment.services.supervisor.liveVideo
    ) {
      await environment.configuration()?.server.healthDownAfterSeconds ?? 300
    }
    SessionRoutes.add(to: router, environment: environment)
    UpdateRoutes.add(to: router, environment: environment)
    CameraRoutes.add(to: router, environment: environment)
    CameraManagementRoutes.add(to: router, environment: environment)
    ClipRoutes.add(to: router, environment: environment)
    FootageRoutes.add(to: router, environment: environment)
    ExportRoutes.add(to: router, environment: environment)
    LiveRoutes.add(to: router, environment: environment)
    LiveVideoRoutes.add(to: router, environment: environment)
    EventRoutes.add(to: router, environment: environment)
    MotionEventRoutes.add(to: router, environment: environment)
    MetricsRoutes.add(to: router, registry: environment.services.metrics)
    return router
  }

  /// The accounts of this server: the YAML's users (as hot reloads change them), or, whenever the
  /// YAML defines none, the generated `admin` of DATA/auth/users.json, created when first needed.
  /// `oneTimeNotice` is the boxed text with the new password when it was created at start-up: print
  /// it once to stderr (a later creation prints its own).
  public static func authenticator(configuration: VMSConfiguration, supervisor: Supervisor) throws
    -> (
      authenticator: Authenticator, oneTimeNotice: String?
    )
  {
    let admin = GeneratedAdminSource(
      dataDirectory: configuration.server.dataDirectory,
      announce: { text in FileHandle.standardError.write(Data((text + "\n").utf8)) })
    let notice = configuration.auth.users.isEmpty ? try admin.prepare() : nil
    let initialUsers = configuration.auth.users
    let accounts = AccountBook(
      configured: { await supervisor.configuration?.auth.users ?? initialUsers },
      generated: { admin.user() })
    let sessions = SessionStore(dataDirectory: configuration.server.dataDirectory)
    return (Authenticator(accounts: accounts, sessions: sessions), notice)
  }
}
