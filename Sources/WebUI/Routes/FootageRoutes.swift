// "Delete this camera's footage" (admin; the role check is AuthMiddleware's, as for every DELETE).
// The camera id must be repeated in `confirm`, so a stray request or a mistyped URL cannot wipe a
// camera: the UI asks the user first and sends it only then.
import Foundation
import Hummingbird
import Storage

enum FootageRoutes {
  struct Answer: Encodable {
    var deleted: Int
    var freedBytes: Int64
    var keptRecording: Int
    var keptArchives: Int

    enum CodingKeys: String, CodingKey {
      case deleted
      case freedBytes = "freed_bytes"
      case keptRecording = "kept_recording"
      case keptArchives = "kept_archives"
    }
  }

  static func add(to router: Router<VMSRequestContext>, environment: WebEnvironment) {
    let store = environment.store

    router.delete("/api/v1/cameras/:id/footage") { request, context -> Response in
      let camera = try await environment.knownCamera(context.parameters.get("id"))
      let query = request.uri.queryParameters
      guard query.get("confirm") == camera.id else {
        throw APIError.badRequest(
          "this deletes all of camera \(camera.id)'s recordings: add ?confirm=\(camera.id) to confirm"
        )
      }
      let archives: Bool
      switch query.get("archives") {
      case nil, "false": archives = false
      case "true": archives = true
      default: throw APIError.badRequest("invalid archives: use archives=true or archives=false")
      }
      let user = try context.requireUser().name
      // A camera that is not configured has no recorder to race with: its folders may go too.
      let removed = camera.settings == nil
      let result = try await store.deleteFootage(
        cameraId: camera.id, includeArchives: archives, pruneEmptyFolders: removed)
      for problem in result.fileErrors {
        context.logger.error(
          "footage of \(camera.id): removed from the index but the file remains: \(problem)")
      }
      context.logger.notice(
        "user \(user) deleted the footage of camera \(camera.id)\(archives ? " including archives" : ""): \(result.deletedClips) clip(s), \(result.freedBytes) bytes; kept \(result.keptRecording) being recorded, \(result.keptArchives) archived"
      )
      return JSONBody.response(
        Answer(
          deleted: result.deletedClips, freedBytes: result.freedBytes,
          keptRecording: result.keptRecording,
          keptArchives: result.keptArchives))
    }
  }
}
