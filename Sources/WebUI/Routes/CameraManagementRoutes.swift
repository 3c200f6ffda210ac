// Camera management: add, edit, delete cameras by rewriting the YAML file (admin only, like every
// state-changing route, through the auth gate). The answer carries the file's new `config_hash`;
// a client that sends an outdated one gets 409 instead of overwriting a hand edit.
import Foundation
import HTTPTypes
import Hummingbird
import Identifiers
import VMSConfig
import VMSRuntime

enum CameraManagementRoutes {
  static func add(to router: Router<VMSRequestContext>, environment: WebEnvironment) {
    let editing = environment.services.cameraEditing

    router.get("/api/v1/config") { _, _ -> Response in
      let report = await environment.services.hub.configuration()
      // The file's hash as `CameraEditing.currentHash()` computes it, read on the file threads.
      let path = environment.services.configPath
      let hash = try await environment.store.files.run {
        ConfigFile.read(path).map(ConfigFile.hash)
      }
      return JSONBody.response(
        ConfigStateJSON(
          configHash: hash, path: path,
          applied: report.applied,
          problems: report.problems, restartNeeded: report.restartNeeded))
    }

    router.post("/api/v1/cameras") { request, context -> Response in
      let body = try await decode(request, context)
      guard let id = body.id else {
        throw APIError.badRequest("give the new camera an \"id\" (\(CameraID.rule))")
      }
      let hash = try await run {
        try await editing.save(id: id, form: body.form, isNew: true, expectedHash: body.configHash)
      }
      let user = try context.requireUser().name
      context.logger.info("user \(user) added camera \(id)")
      return try await answer(id: id, hash: hash, status: .created)
    }

    router.put("/api/v1/cameras/:id") { request, context -> Response in
      let id = try RequestParameters.cameraId(context.parameters.get("id"))
      let body = try await decode(request, context)
      if let bodyId = body.id, bodyId != id {
        throw APIError.badRequest(
          "a camera id cannot change (files are kept under it): add a new camera instead")
      }
      let hash = try await run {
        try await editing.save(id: id, form: body.form, isNew: false, expectedHash: body.configHash)
      }
      let user = try context.requireUser().name
      context.logger.info("user \(user) edited camera \(id)")
      return try await answer(id: id, hash: hash, status: .ok)
    }

    router.delete("/api/v1/cameras/:id") { request, context -> Response in
      let id = try RequestParameters.cameraId(context.parameters.get("id"))
      let expected = request.uri.queryParameters.get("config_hash")
      let hash = try await run { try await editing.remove(id: id, expectedHash: expected) }
      let user = try context.requireUser().name
      context.logger.info("user \(user) removed camera \(id); its footage is kept")
      return JSONBody.response(["config_hash": hash])
    }

    @Sendable func decode(_ request: Request, _ context: VMSRequestContext) async throws
      -> CameraFormJSON
    {
      do {
        return try await request.decode(as: CameraFormJSON.self, context: context)
      } catch {
        throw APIError.badRequest("send the camera as JSON, as GET /api/v1/cameras shows it")
      }
    }

    @Sendable func answer(id: String, hash: String, status: HTTPResponse.Status) async throws
      -> Response
    {
      let camera = await environment.configuration()?.camera(id: id)
      let statuses = await environment.services.hub.snapshot()
      guard let camera else { return JSONBody.response(["config_hash": hash], status: status) }
      let outlook = try await CameraRoutes.storageOutlook(environment)[id]
      let json = CameraJSON(
        settings: camera, status: statuses.first { $0.id == id }, usage: UsageJSON(outlook),
        storage: StorageJSON(outlook))
      var response = JSONBody.response(json, status: status)
      response.headers[.eTag] = "\"\(hash)\""
      response.headers[HTTPField.Name("X-Config-Hash")!] = hash
      return response
    }
  }

  /// Maps the editor's errors to the API's statuses.
  private static func run(_ body: () async throws -> String) async throws -> String {
    do {
      return try await body()
    } catch let error as CameraEditError {
      switch error {
      case .conflict(let message), .alreadyExists(let message): throw APIError.conflict(message)
      case .notFound(let message): throw APIError.notFound(message)
      case .invalid(let problems): throw APIError.invalidCamera(problems)
      case .failed(let message): throw APIError(.internalServerError, message)
      }
    }
  }
}
