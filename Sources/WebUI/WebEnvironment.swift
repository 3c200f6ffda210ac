// What every route handler shares: the engine's services, the authenticator, and lookups that turn
// request parameters into known cameras and clips (400 for malformed, 404 for unknown).
import Foundation
import Storage
import VMSConfig
import VMSRuntime

struct WebEnvironment: Sendable {
  let services: WebServices
  let authenticator: Authenticator
  /// Used until the supervisor has applied a configuration (the first moments after start).
  let initialConfiguration: VMSConfiguration?
  let updates: UpdateChecker

  /// The index for route handlers: every call suspends instead of blocking (see `AsyncClipIndex`).
  let store: AsyncClipIndex

  init(
    services: WebServices, authenticator: Authenticator,
    initialConfiguration: VMSConfiguration?, updates: UpdateChecker
  ) {
    self.services = services
    self.authenticator = authenticator
    self.initialConfiguration = initialConfiguration
    self.updates = updates
    store = services.store
  }

  var layout: DataLayout { store.layout }

  func configuration() async -> VMSConfiguration? {
    await services.supervisor.configuration ?? initialConfiguration
  }

  /// The camera's settings when configured; nil for a camera known only by its footage. Throws 400
  /// for a malformed id and 404 for an id with neither settings nor footage.
  func knownCamera(_ text: String?) async throws -> (id: String, settings: CameraSettings?) {
    let id = try RequestParameters.cameraId(text)
    if let settings = await configuration()?.camera(id: id) { return (id, settings) }
    guard try await store.cameraIds().contains(id) else {
      throw APIError.notFound("no camera \(id): GET /api/v1/cameras lists them")
    }
    return (id, nil)
  }

  /// The name a camera is shown under: its configured name, else the last one it had (a camera
  /// removed from the configuration), else its id.
  func displayName(of cameraId: String) async -> String {
    if let settings = await configuration()?.camera(id: cameraId) { return settings.name }
    return (try? await store.cameraNames()[cameraId]) ?? cameraId
  }

  /// A configured camera (live view and snapshots need a running camera).
  func configuredCamera(_ text: String?) async throws -> CameraSettings {
    let id = try RequestParameters.cameraId(text)
    guard let settings = await configuration()?.camera(id: id) else {
      throw APIError.notFound("no configured camera \(id): GET /api/v1/cameras lists them")
    }
    return settings
  }

  func clip(_ text: String?) async throws -> ClipRecord {
    let id = try RequestParameters.clipId(text)
    guard let clip = try await store.clip(id: id) else {
      throw APIError.notFound("no clip \(id): it may have been deleted by retention or by a user")
    }
    return clip
  }

  func clipJSON(_ clip: ClipRecord) async throws -> ClipJSON {
    try await clipJSONs([clip])[0]
  }

  /// A recording clip's JPEG appears once motion was seen, so whether it has one is a look at the
  /// disk: one trip to the file threads for the whole list.
  func clipJSONs(_ clips: [ClipRecord]) async throws -> [ClipJSON] {
    let looked = clips.filter { $0.state != .complete && $0.thumbnail != nil }
    let exists =
      looked.isEmpty
      ? [:]
      : Dictionary(
        zip(looked.map(\.id), try await store.exist(looked.compactMap(\.thumbnail))),
        uniquingKeysWith: { a, _ in a })
    return clips.map { ClipJSON($0, thumbnailExists: exists[$0.id] ?? false) }
  }
}
