// Errors as the API promises them: `{"error": "what to do"}` with the right status.
import Foundation
import HTTPTypes
import Hummingbird
import VMSRuntime

public struct APIError: Error, HTTPResponseError, Sendable, CustomStringConvertible {
  public var status: HTTPResponse.Status
  public var message: String
  public var headers: HTTPFields
  /// A refused camera edit's problems, each with its field: `"problems": [...]` beside `error`.
  var problems: [CameraProblemJSON] = []

  public init(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) {
    self.status = status
    self.message = message
    self.headers = headers
  }

  private struct Body: Encodable {
    var error: String
    var problems: [CameraProblemJSON]?
  }

  public var description: String { "\(status.code) \(message)" }

  public func response(from request: Request, context: some RequestContext) throws -> Response {
    var response = JSONBody.response(
      Body(error: message, problems: problems.isEmpty ? nil : problems), status: status)
    response.headers.append(contentsOf: headers)
    return response
  }

  static let unauthorized = APIError(
    .unauthorized, "sign in first (POST /api/v1/login) or send HTTP Basic credentials")
  static let forbiddenForViewer = APIError(
    .forbidden, "your account can only watch: ask an admin to do this")
  static let crossOrigin = APIError(
    .forbidden,
    "refused: this request comes from another site (Origin or Referer is not this server)")

  /// 429: the client's address had too many password checks lately (`LoginThrottle`).
  static func tooManySignInAttempts(retryAfterSeconds: Int) -> APIError {
    APIError(
      .tooManyRequests,
      "too many sign-in attempts from your address: try again in \(retryAfterSeconds) s",
      headers: [.retryAfter: String(retryAfterSeconds)])
  }

  static func badRequest(_ message: String) -> APIError { APIError(.badRequest, message) }
  static func notFound(_ message: String) -> APIError { APIError(.notFound, message) }
  static func conflict(_ message: String) -> APIError { APIError(.conflict, message) }

  /// 400 listing every problem of a refused camera edit, each with its field.
  static func invalidCamera(_ problems: [CameraEditProblem]) -> APIError {
    var error = APIError(.badRequest, problems.map(\.description).joined(separator: "; "))
    error.problems = problems.map(CameraProblemJSON.init)
    return error
  }
}

/// JSON responses with snake_case keys given explicitly by the encoded types.
enum JSONBody {
  /// The JSON of every answer and event: sorted keys, slashes left alone.
  static func encode(_ value: some Encodable) -> Data? {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return try? encoder.encode(value)
  }

  static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
    let data = encode(value) ?? Data(#"{"error":"could not encode the answer"}"#.utf8)
    return Response(
      status: status,
      headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
      body: .init(byteBuffer: ByteBuffer(bytes: data)))
  }
}
