// The camera read routes of docs/api.md (camera management lives elsewhere) and the bulk deletion
// of one hour of a camera's recordings.
import Foundation
import Hummingbird
import Storage
import Timekeeping
import VMSRuntime

enum CameraRoutes {
  static func add(to router: Router<VMSRequestContext>, environment: WebEnvironment) {
    let store = environment.store

    router.get("/api/v1/cameras") { _, _ -> Response in
      let configuration = await environment.configuration()
      let statuses = Dictionary(
        await environment.services.hub.snapshot().map { ($0.id, $0) },
        uniquingKeysWith: { a, _ in a })
      let outlook = try await storageOutlook(environment)
      var cameras: [CameraJSON] = []
      var seen = Set<String>()
      for settings in configuration?.cameras ?? [] where seen.insert(settings.id).inserted {
        cameras.append(
          CameraJSON(
            settings: settings, status: statuses[settings.id],
            usage: UsageJSON(outlook[settings.id]),
            storage: StorageJSON(outlook[settings.id])))
      }
      let names = try await store.cameraNames()
      for id in try await store.cameraIds() where seen.insert(id).inserted {
        cameras.append(
          CameraJSON(
            removedId: id, name: names[id] ?? id, usage: UsageJSON(outlook[id]),
            storage: StorageJSON(outlook[id])))
      }
      return JSONBody.response(cameras)
    }

    router.get("/api/v1/cameras/:id/days") { request, context -> Response in
      let camera = try await environment.knownCamera(context.parameters.get("id"))
      let archived = try RequestParameters.archived(request.uri.queryParameters.get("archived"))
      return JSONBody.response(try await store.days(cameraId: camera.id, archived: archived))
    }

    router.get("/api/v1/cameras/:id/usage") { _, context -> Response in
      let camera = try await environment.knownCamera(context.parameters.get("id"))
      let usage = try await store.usage(cameraId: camera.id)
      return JSONBody.response(
        UsageJSON(usage))
    }

    router.get("/api/v1/cameras/:id/clips") { request, context -> Response in
      let camera = try await environment.knownCamera(context.parameters.get("id"))
      let query = request.uri.queryParameters
      let day = try RequestParameters.day(query.get("date"), layout: store.layout)
      let archived = try RequestParameters.archived(query.get("archived"))
      let clips = try await store.clips(cameraId: camera.id, day: day, archived: archived)
      return JSONBody.response(try await environment.clipJSONs(clips))
    }

    router.delete("/api/v1/cameras/:id/clips") { request, context -> Response in
      let camera = try await environment.knownCamera(context.parameters.get("id"))
      let query = request.uri.queryParameters
      let day = try RequestParameters.day(query.get("date"), layout: store.layout)
      let hour = try RequestParameters.hour(query.get("hour"))
      let deleted = try await store.deleteHour(cameraId: camera.id, day: day, hour: hour)
      let user = try context.requireUser().name
      context.logger.info(
        "user \(user) deleted \(deleted) clip(s) of \(camera.id) on \(day) at \(hour) h")
      return JSONBody.response(["deleted": deleted])
    }
  }

  /// Every camera's storage outlook (usage, next clip to go, horizon) under the retention policy in
  /// force, by camera id: a few grouped queries (GRDB's async access) and one statvfs (on the file
  /// threads).
  static func storageOutlook(_ environment: WebEnvironment) async throws -> [String: StorageOutlook
    .CameraOutlook]
  {
    let policy =
      await environment.configuration().map(RetentionPolicy.init(configuration:))
      ?? RetentionPolicy()
    let nowMs = WallTime.now().sinceEpochMs
    let outlook = try await StorageOutlook.compute(
      index: environment.store, policy: policy, nowMs: nowMs)
    return Dictionary(outlook.cameras.map { ($0.cameraId, $0) }, uniquingKeysWith: { a, _ in a })
  }
}
