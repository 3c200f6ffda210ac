// Exports: one MP4 of any time range of a camera's footage, made in the background
// (`ExportJobs`), listed, downloaded under an informative name, deleted.
import Foundation
import HTTPTypes
import Hummingbird
import Storage
import Timekeeping

enum ExportRoutes {
  struct CreateBody: Decodable {
    var camera: String
    var start: String
    var end: String
  }

  struct CreatedJSON: Encodable {
    var id: Int64
  }

  struct ListJSON: Encodable {
    var exports: [ExportJSON]
  }

  /// The 422 of a range without footage: the message, and the nearest footage for a client to
  /// offer (absent when there is none on that side).
  struct NoFootageJSON: Encodable {
    var error: String
    var endBeforeMs: Int64?
    var startAfterMs: Int64?

    enum CodingKeys: String, CodingKey {
      case error
      case endBeforeMs = "end_before_ms"
      case startAfterMs = "start_after_ms"
    }
  }

  static let bodyFormat =
    #"send {"camera": "ID", "start": TIME, "end": TIME} as JSON, times in "#

  static func add(to router: Router<VMSRequestContext>, environment: WebEnvironment) {
    let store = environment.store
    let jobs = environment.services.exports

    router.post("/api/v1/exports") { request, context -> Response in
      let body: CreateBody
      do {
        body = try await request.decode(as: CreateBody.self, context: context)
      } catch {
        throw APIError.badRequest(bodyFormat + ExportTime.format)
      }
      let range = try parseRange(start: body.start, end: body.end)
      let camera = try await environment.knownCamera(body.camera)
      let nowMs = WallTime.now().sinceEpochMs
      let footage = try await store.footage(
        cameraId: camera.id, startMs: range.startMs, endMs: range.endMs, nowMs: nowMs)
      guard !footage.isEmpty else {
        let nearby = try await store.nearbyFootage(
          cameraId: camera.id, startMs: range.startMs, endMs: range.endMs, nowMs: nowMs)
        let name = await environment.displayName(of: camera.id)
        return JSONBody.response(
          NoFootageJSON(
            error: noFootageMessage(
              cameraName: name, range: range, nearby: nearby, layout: environment.layout),
            endBeforeMs: nearby.endBeforeMs, startAfterMs: nearby.startAfterMs),
          status: HTTPResponse.Status(code: 422))
      }
      let user = try context.requireUser().name
      let record = try await store.insertExport(
        cameraId: camera.id, startMs: range.startMs, endMs: range.endMs, createdMs: nowMs)
      jobs.enqueue(record)
      context.logger.info(
        "user \(user) asked for export \(record.id) of \(camera.id) from \(ExportTime.text(ms: range.startMs)) to \(ExportTime.text(ms: range.endMs))"
      )
      var response = JSONBody.response(CreatedJSON(id: record.id), status: .accepted)
      response.headers[.location] = "/api/v1/exports/\(record.id)"
      return response
    }

    router.get("/api/v1/exports") { _, _ -> Response in
      JSONBody.response(ListJSON(exports: try await store.exports().map(ExportJSON.init)))
    }

    router.get("/api/v1/exports/:id") { _, context -> Response in
      JSONBody.response(ExportJSON(try await export(context.parameters.get("id"), store: store)))
    }

    router.get("/api/v1/exports/:id/download") { request, context -> Response in
      let record = try await export(context.parameters.get("id"), store: store)
      switch record.state {
      case .running:
        throw APIError.conflict(
          "export \(record.id) is still being made (\(Int(record.progress * 100)) %): download it when its state is done"
        )
      case .failed:
        throw APIError.conflict(
          "export \(record.id) failed (\(record.error ?? "no reason given")): it has no file; export again or delete it"
        )
      case .done:
        break
      }
      let path = store.layout.exportPaths(id: record.id).final
      guard let file = try await OpenFile.opening(path: path, on: store.files) else {
        throw APIError.notFound(
          "the file of export \(record.id) is missing on the disk: delete it and export again, or run `vms check-storage --repair`"
        )
      }
      let name = DownloadName.export(
        cameraName: await environment.displayName(of: record.cameraId),
        start: store.layout.localTime(ofMs: record.startMs),
        end: store.layout.localTime(ofMs: record.endMs))
      return file.response(
        rangeHeader: request.headers[.range], contentType: "video/mp4",
        headers: [
          .contentDisposition: "attachment; filename=\"\(name)\"",
          .cacheControl: "private, no-cache",
        ])
    }

    router.delete("/api/v1/exports/:id") { _, context -> Response in
      let id = try exportId(context.parameters.get("id"))
      let user = try context.requireUser().name
      // The row goes first, then its file; a running export is stopped and its partial file removed.
      guard let deleted = try await store.deleteExport(id: id) else {
        throw APIError.notFound("no export \(id): GET /api/v1/exports lists them")
      }
      jobs.cancel(id: id)
      context.logger.info("user \(user) deleted export \(id) (\(deleted.state.rawValue))")
      return Response(status: .noContent)
    }
  }

  // MARK: Parameters

  /// The range of a request, or 400 saying what to send.
  static func parseRange(start: String, end: String) throws -> (startMs: Int64, endMs: Int64) {
    guard let startMs = ExportTime.parse(start) else {
      throw APIError.badRequest("invalid start \(quoted(start)): use \(ExportTime.format)")
    }
    guard let endMs = ExportTime.parse(end) else {
      throw APIError.badRequest("invalid end \(quoted(end)): use \(ExportTime.format)")
    }
    if let problem = ExportRange.problem(startMs: startMs, endMs: endMs) {
      throw APIError.badRequest(problem)
    }
    return (startMs, endMs)
  }

  static func exportId(_ text: String?) throws -> Int64 {
    do {
      return try RequestParameters.clipId(text)
    } catch {
      throw APIError.badRequest("invalid export id: expected a positive whole number")
    }
  }

  static func export(_ text: String?, store: AsyncClipIndex) async throws -> ExportRecord {
    let id = try exportId(text)
    guard let record = try await store.export(id: id) else {
      throw APIError.notFound("no export \(id): GET /api/v1/exports lists them")
    }
    return record
  }

  /// What the 422 says: the range in local time and the footage nearest it.
  static func noFootageMessage(
    cameraName: String, range: (startMs: Int64, endMs: Int64), nearby: NearbyFootage,
    layout: DataLayout
  ) -> String {
    func local(_ ms: Int64) -> String {
      let time = layout.localTime(ofMs: ms)
      return "\(time.day) \(time.timeOfDay.replacingOccurrences(of: "-", with: ":"))"
    }
    var message =
      "\(cameraName) has no footage from \(local(range.startMs)) to \(local(range.endMs)) (server time)"
    var near: [String] = []
    if let before = nearby.endBeforeMs {
      near.append("the footage before ends at \(local(before))")
    }
    if let after = nearby.startAfterMs {
      near.append("the footage after starts at \(local(after))")
    }
    message += near.isEmpty ? "; it has no footage at all" : ": " + near.joined(separator: ", ")
    return message
  }

  /// A client's text, cut and quoted for an error message.
  private static func quoted(_ text: String) -> String {
    let cut = text.count > 40 ? String(text.prefix(40)) + "..." : text
    return "\"" + cut.filter { !$0.isNewline && $0.asciiValue.map { $0 >= 32 } ?? true } + "\""
  }
}
