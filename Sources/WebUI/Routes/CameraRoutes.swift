// The camera read routes of docs/api.md (camera management lives elsewhere) and the bulk deletion
// of one hour of a camera's recordings.
import Foundation
import Hummingbird
import Storage
import VMSRuntime

enum CameraRoutes {
  static func add(to router: Router<VMSRequestContext>, environment: WebEnvironment) {
    let index = environment.index

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
      let names = try index.cameraNames()
      for id in try index.cameraIds() where seen.insert(id).inserted {
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
      return JSONBody.response(try index.days(cameraId: camera.id, archived: archived))
    }

    router.get("/api/v1/cameras/:id/usage") { _, context -> Response in
      let camera = try await environment.knownCamera(context.parameters.get("id"))
      return JSONBody.response(try usage(camera.id, index))
    }

    router.get("/api/v1/cameras/:id/clips") { request, context -> Response in
      let camera = try await environment.knownCamera(context.parameters.get("id"))
      let query = request.uri.queryParameters
      let day = try RequestParameters.day(query.get("date"), layout: index.layout)
      let archived = try RequestParameters.archived(query.get("archived"))
      let clips = try index.clips(cameraId: camera.id, day: day, archived: archived)
      return JSONBody.response(clips.map(environment.clipJSON))
    }

    router.delete("/api/v1/cameras/:id/clips") { request, context -> Response in
      let camera = try await environment.knownCamera(context.parameters.get("id"))
      let query = request.uri.queryParameters
      let day = try RequestParameters.day(query.get("date"), layout: index.layout)
      let hour = try RequestParameters.hour(query.get("hour"))
      let deleted = try await Blocking.run {
        try index.deleteHour(cameraId: camera.id, day: day, hour: hour)
      }
      let user = try context.requireUser().name
      context.logger.info(
        "user \(user) deleted \(deleted) clip(s) of \(camera.id) on \(day) at \(hour) h")
      return JSONBody.response(["deleted": deleted])
    }
  }

  /// Every camera's storage outlook (usage, next clip to go, horizon) under the retention policy in
  /// force, by camera id: a few grouped queries and one statvfs, off the cooperative pool.
  static func storageOutlook(_ environment: WebEnvironment) async throws -> [String: StorageOutlook
    .CameraOutlook]
  {
    let policy =
      await environment.configuration().map(RetentionPolicy.init(configuration:))
      ?? RetentionPolicy()
    let index = environment.index
    let nowMs = Int64((Date().timeIntervalSince1970 * 1000).rounded())
    let outlook = try await Blocking.run {
      try StorageOutlook.compute(index: index, policy: policy, nowMs: nowMs)
    }
    return Dictionary(outlook.cameras.map { ($0.cameraId, $0) }, uniquingKeysWith: { a, _ in a })
  }

  static func usage(_ cameraId: String, _ index: ClipIndex) throws -> UsageJSON {
    let usage = try index.usage(cameraId: cameraId)
    return UsageJSON(recordingsBytes: usage.recordingsBytes, archivesBytes: usage.archivesBytes)
  }
}
