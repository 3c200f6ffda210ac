// Turns every error a route throws into the API's `{"error": "..."}` shape with the right status,
// so no framework default (empty 404 bodies, `{"error":{"message":...}}`) leaks out.
import Foundation
import Hummingbird
import Storage

struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
  func handle(
    _ request: Request, context: Context, next: (Request, Context) async throws -> Response
  ) async throws -> Response {
    do {
      return try await next(request, context)
    } catch {
      let apiError = Self.apiError(for: error)
      if apiError.status == .internalServerError {
        context.logger.error("\(request.method) \(request.uri.path): \(error)")
      }
      return try apiError.response(from: request, context: context)
    }
  }

  static func apiError(for error: any Error) -> APIError {
    switch error {
    case let error as APIError:
      return error
    case let error as ArchiveRefusal:
      return .conflict(error.description)
    case let error as StorageError:
      switch error {
      case .clipNotFound: return .notFound(error.description)
      case .invalidCameraId, .invalidDay, .unsafePath: return .badRequest(error.description)
      case .clipNotRecording: return .conflict(error.description)
      default: return APIError(.internalServerError, error.description)
      }
    case let error as HTTPError:
      if error.status == .notFound {
        return .notFound("no such page or API route: see docs/api.md")
      }
      return APIError(error.status, error.body ?? error.status.reasonPhrase, headers: error.headers)
    case is DecodingError:
      return .badRequest("the request body is not the JSON this route expects: see docs/api.md")
    default:
      return APIError(.internalServerError, "internal error: \(error)")
    }
  }
}
