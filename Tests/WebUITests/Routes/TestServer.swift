// The real web application for route tests, assembled the way `vms serve` assembles it: a data
// directory in a temporary folder, the real SQLite index, the real supervisor (applying a
// configuration with one disabled camera, so no camera or network is needed), the real session
// store and authenticator, and `WebServer.application` served by HummingbirdTesting on a live
// socket (port 0).
import Detectors
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdBcrypt
import HummingbirdTesting
import Logging
import NIOCore
import Prometheus
import Storage
import VMSConfig
import VMSRuntime
import XCTest

@testable import WebUI

struct TestServerError: Error, CustomStringConvertible {
  var description: String
}

final class TestServer: Sendable {
  static let adminName = "admin"
  /// With a colon inside: Basic credentials split at the first colon only.
  static let adminPassword = "s3cret:with colon"
  static let viewerName = "viewer1"
  static let viewerPassword = "watch-only"
  /// The one configured camera (disabled: nothing connects anywhere).
  static let cameraId = "front"
  static let cameraName = "Front door"

  /// bcrypt at the lowest cost the configuration accepts, computed once for all tests.
  static let adminHash = Bcrypt.hash(adminPassword, cost: 4)
  static let viewerHash = Bcrypt.hash(viewerPassword, cost: 4)

  let directory: String
  let configPath: String
  let services: WebServices
  let authenticator: Authenticator
  let configuration: VMSConfiguration
  let log: Logger
  /// The status hub's service, run as `vms serve` runs it (until `stop()`).
  let hubRunning: Task<Void, Never>
  /// The export runner's service, run as `vms serve` runs it (until `stop()`).
  let exportsRunning: Task<Void, Never>

  private init(
    directory: String, configPath: String, services: WebServices, authenticator: Authenticator,
    configuration: VMSConfiguration, log: Logger, hubRunning: Task<Void, Never>
  ) {
    self.hubRunning = hubRunning
    let exports = services.exports
    exportsRunning = Task { await exports.run() }
    self.directory = directory
    self.configPath = configPath
    self.services = services
    self.authenticator = authenticator
    self.configuration = configuration
    self.log = log
  }

  static func configText(dataDirectory: String) -> String {
    """
    server:
      listen: "127.0.0.1:8080"
      data_dir: "\(dataDirectory)"
    auth:
      users:
        - { name: \(adminName), password_hash: "\(adminHash)", role: admin }
        - { name: \(viewerName), password_hash: "\(viewerHash)", role: viewer }
    storage:
      retention_days: 0
      max_bytes: 0
      min_free_bytes: 0
    cameras:
      \(cameraId):
        name: \(cameraName)
        enabled: false
        record_url: "rtsp://user:pass@127.0.0.1:1/main"

    """
  }

  /// A fresh server in its own temporary folder; call `stop()` when done.
  static func start() async throws -> TestServer {
    let directory = NSTemporaryDirectory() + "vms-routes-\(UUID().uuidString)"
    let dataDirectory = directory + "/data"
    try FileManager.default.createDirectory(
      atPath: dataDirectory, withIntermediateDirectories: true)
    let configPath = directory + "/vms.yaml"
    let text = configText(dataDirectory: dataDirectory)
    try text.write(toFile: configPath, atomically: true, encoding: .utf8)

    var log = Logger(label: "vms.test")
    log.logLevel = .critical
    let index = try ClipIndex.open(dataDirectory: dataDirectory)
    let hub = StatusHub()
    let hubRunning = Task { await hub.run() }
    let live = LiveFeeds()
    let supervisor = Supervisor(hub: hub, index: index, live: live, registry: .builtIn, log: log)
    let report = await supervisor.reload(text: text, path: configPath)
    guard report.applied, let configuration = await supervisor.configuration else {
      throw TestServerError(description: "the test configuration was refused: \(report.problems)")
    }
    let services = WebServices(
      hub: hub, index: index, supervisor: supervisor, live: live, configPath: configPath,
      metrics: PrometheusCollectorRegistry())
    let authenticator = try WebServer.authenticator(
      configuration: configuration, supervisor: supervisor
    ).authenticator
    return TestServer(
      directory: directory, configPath: configPath, services: services,
      authenticator: authenticator,
      configuration: configuration, log: log, hubRunning: hubRunning)
  }

  func stop() async {
    await services.supervisor.shutdown()
    exportsRunning.cancel()
    await exportsRunning.value
    hubRunning.cancel()
    await hubRunning.value
    try? services.index.close()
    try? FileManager.default.removeItem(atPath: directory)
  }

  /// The application `vms serve` runs, on a port of its own.
  func application() -> some ApplicationProtocol {
    WebServer.application(
      host: "127.0.0.1", port: 0, services: services, authenticator: authenticator,
      configuration: configuration, log: log)
  }

  /// Runs `body` against the application served on a live socket.
  func test<Value: Sendable>(_ body: @Sendable (any TestClientProtocol) async throws -> Value)
    async throws -> Value
  {
    try await application().test(.live, body)
  }

  /// Every route of the router the application serves (same `makeRouter`, same environment shape).
  func routes() -> [Router<VMSRequestContext>.RouteDescription] {
    let environment = WebEnvironment(
      services: services, authenticator: authenticator, initialConfiguration: configuration,
      updates: UpdateChecker(currentVersion: VMSVersion.string, feedURL: { nil }, log: log))
    return WebServer.makeRouter(environment: environment, staticFiles: .bundled()).routes
  }

  /// A complete clip of the test camera whose video file holds `bytes`.
  func addClip(bytes: [UInt8], startMs: Int64 = 1_795_642_546_080) throws -> ClipRecord {
    let index = services.index
    let clip = try index.beginClip(cameraId: Self.cameraId, startMs: startMs)
    try Data(bytes).write(to: URL(fileURLWithPath: try index.absolutePath(of: clip.file)))
    try index.finishClip(
      id: clip.id, endMs: startMs + 5000, durationMs: 5000, sizeBytes: Int64(bytes.count),
      hasThumbnail: false)
    guard let finished = try index.clip(id: clip.id) else {
      throw TestServerError(description: "clip vanished")
    }
    return finished
  }
}

// MARK: - What a client sends and sees

enum Client {
  static let ownOrigin = "http://localhost"
  static let foreignOrigin = "http://evil.example"

  static func basic(_ name: String, _ password: String) -> HTTPFields {
    [.authorization: "Basic " + Data("\(name):\(password)".utf8).base64EncodedString()]
  }

  static var admin: HTTPFields { basic(TestServer.adminName, TestServer.adminPassword) }
  static var viewer: HTTPFields { basic(TestServer.viewerName, TestServer.viewerPassword) }

  static func json(_ value: Any) -> ByteBuffer {
    ByteBuffer(bytes: (try? JSONSerialization.data(withJSONObject: value)) ?? Data())
  }

  static func loginBody(_ name: String, _ password: String) -> ByteBuffer {
    json(["name": name, "password": password])
  }

  static var jsonContent: HTTPFields { [.contentType: "application/json"] }
}

extension HTTPFields {
  static func + (lhs: HTTPFields, rhs: HTTPFields) -> HTTPFields {
    var fields = lhs
    fields.append(contentsOf: rhs)
    return fields
  }
}

extension TestResponse {
  var text: String { String(buffer: body) }
  var bytes: [UInt8] { Array(buffer: body) }

  /// The body as a JSON object (nil when it is not one).
  var object: [String: Any]? {
    (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
  }

  /// `error` of the API's `{"error": "..."}` body.
  var errorMessage: String? { object?["error"] as? String }

  /// The value of the `vms_session` cookie this response sets, if any.
  var sessionCookie: String? {
    guard let header = headers[.setCookie], header.hasPrefix("vms_session=") else { return nil }
    return String(header.dropFirst("vms_session=".count).prefix { $0 != ";" })
  }
}

/// Base of the route test classes: a fresh server per test.
class RouteTestCase: XCTestCase {
  var server: TestServer!

  override func setUp() async throws {
    server = try await TestServer.start()
  }

  override func tearDown() async throws {
    await server?.stop()
    server = nil
  }

}

/// Asserts the API's error shape: the status, a JSON body `{"error": ...}`, and its message.
func assertAPIError(
  _ response: TestResponse, _ status: HTTPResponse.Status, _ message: String? = nil,
  file: StaticString = #filePath, line: UInt = #line
) {
  XCTAssertEqual(response.status, status, response.text, file: file, line: line)
  XCTAssertEqual(
    response.headers[.contentType], "application/json; charset=utf-8", file: file, line: line)
  XCTAssertNotNil(
    response.errorMessage, "no {\"error\": ...} in \(response.text)", file: file, line: line)
  if let message {
    XCTAssertEqual(response.errorMessage, message, file: file, line: line)
  }
}

extension HTTPField.Name {
  static let contentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
  static let frameOptions = HTTPField.Name("X-Frame-Options")!
}
