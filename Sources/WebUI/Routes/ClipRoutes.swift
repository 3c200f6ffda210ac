// One clip: its JSON, video (HTTP Range), thumbnail, download under an informative name, archive,
// delete and comment.
import Foundation
import Hummingbird
import Storage

enum ClipRoutes {
  struct CommentBody: Decodable {
    var comment: String
  }

  static func add(to router: Router<VMSRequestContext>, environment: WebEnvironment) {
    let store = environment.store

    router.get("/api/v1/clips/:id") { _, context -> Response in
      let clip = try await environment.clip(context.parameters.get("id"))
      return JSONBody.response(try await environment.clipJSON(clip))
    }

    router.get("/api/v1/clips/:id/video") { request, context -> Response in
      let clip = try await environment.clip(context.parameters.get("id"))
      let file = try await openClipFile(clip, store: store)
      // A clip being recorded grows: never let a cache keep its old length.
      return file.response(
        rangeHeader: request.headers[.range], contentType: "video/mp4",
        headers: [.cacheControl: clip.state == .complete ? "private, max-age=3600" : "no-store"])
    }

    router.get("/api/v1/clips/:id/thumbnail") { _, context -> Response in
      let clip = try await environment.clip(context.parameters.get("id"))
      return try await jpegResponse(
        path: try clip.thumbnail.map { try store.index.absolutePath(of: $0) }, on: store.files,
        cacheControl: "private, max-age=86400",
        missing: APIError.notFound("clip \(clip.id) has no thumbnail"))
    }

    router.get("/api/v1/clips/:id/download") { request, context -> Response in
      let clip = try await environment.clip(context.parameters.get("id"))
      let file = try await openClipFile(clip, store: store)
      let cameraName = await environment.displayName(of: clip.cameraId)
      let time = store.layout.localTime(ofMs: clip.startMs)
      let name = DownloadName.make(
        cameraName: cameraName, day: time.day, timeOfDay: time.timeOfDay, comment: clip.comment)
      return file.response(
        rangeHeader: request.headers[.range], contentType: "video/mp4",
        headers: [
          .contentDisposition: "attachment; filename=\"\(name)\"",
          .cacheControl: "private, no-cache",
        ])
    }

    router.post("/api/v1/clips/:id/archive") { _, context -> Response in
      let clip = try await environment.clip(context.parameters.get("id"))
      guard clip.state == .complete else { throw ArchiveRefusal.stillRecording(id: clip.id) }
      let user = try context.requireUser().name
      let archived = try await store.archiveClip(id: clip.id)
      context.logger.info("user \(user) archived clip \(clip.id)")
      return JSONBody.response(try await environment.clipJSON(archived))
    }

    router.delete("/api/v1/clips/:id") { _, context -> Response in
      let clip = try await environment.clip(context.parameters.get("id"))
      guard clip.state == .complete else {
        throw APIError.conflict(
          "clip \(clip.id) is still being recorded: try again when it is complete")
      }
      let user = try context.requireUser().name
      // Complete is checked again in the deleting transaction (archived clips may be deleted here).
      guard try await store.deleteClip(id: clip.id, only: .complete) else {
        throw APIError.conflict(
          "clip \(clip.id) is still being recorded: try again when it is complete")
      }
      context.logger.info("user \(user) deleted clip \(clip.id)")
      return Response(status: .noContent)
    }

    router.put("/api/v1/clips/:id/comment") { request, context -> Response in
      let clip = try await environment.clip(context.parameters.get("id"))
      let body: CommentBody
      do {
        body = try await request.decode(as: CommentBody.self, context: context)
      } catch {
        throw APIError.badRequest(#"send {"comment":"..."} as JSON"#)
      }
      guard body.comment.count <= ClipIndex.maxCommentLength else {
        throw APIError.badRequest(
          "the comment has \(body.comment.count) characters: keep it to \(ClipIndex.maxCommentLength)"
        )
      }
      let updated = try await store.setComment(id: clip.id, comment: body.comment)
      return JSONBody.response(try await environment.clipJSON(updated))
    }
  }

  /// The clip's video file, opened on the file threads; 404 when it is gone from the disk.
  static func openClipFile(_ clip: ClipRecord, store: AsyncClipIndex) async throws -> OpenFile {
    let path = try store.index.absolutePath(of: clip.file)
    guard let file = try await OpenFile.opening(path: path, on: store.files) else {
      throw APIError.notFound("the file of clip \(clip.id) is missing on the disk")
    }
    return file
  }
}
