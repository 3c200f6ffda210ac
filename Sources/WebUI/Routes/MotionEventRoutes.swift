// Motion events as ranges (docs/api.md, "Motion events"): the list across cameras, newest first,
// with filters and paging; one event; its thumbnail; marking it reviewed. New and changed events
// are pushed on the events WebSocket (EventRoutes.swift), not here. `/api/v1/events` is that
// WebSocket, hence `motion-events`.
import Foundation
import Hummingbird
import Storage

enum MotionEventRoutes {
  static let defaultLimit = 100
  static let maxLimit = 500

  struct ReviewedBody: Decodable {
    var reviewed: Bool
  }

  static func add(to router: Router<VMSRequestContext>, environment: WebEnvironment) {
    let store = environment.store

    router.get("/api/v1/motion-events") { request, _ -> Response in
      let filter = try Self.filter(request.uri.queryParameters)
      let events = try await store.events(filter)
      return JSONBody.response(ListBody(events: events.map(MotionEventJSON.init)))
    }

    router.get("/api/v1/motion-events/:id") { _, context -> Response in
      let event = try await Self.event(context.parameters.get("id"), store: store)
      return JSONBody.response(MotionEventJSON(event))
    }

    router.get("/api/v1/motion-events/:id/thumbnail") { _, context -> Response in
      let event = try await Self.event(context.parameters.get("id"), store: store)
      return try await jpegResponse(
        path: try event.thumbnail.map { try store.index.absolutePath(ofEventThumbnail: $0) },
        on: store.files,
        // Replaced while the event's peak rises.
        cacheControl: event.endMs == nil ? "no-store" : "private, max-age=86400",
        missing: APIError.notFound("motion event \(event.id) has no thumbnail"))
    }

    router.put("/api/v1/motion-events/:id/reviewed") { request, context -> Response in
      let id = try Self.eventId(context.parameters.get("id"))
      let body: ReviewedBody
      do {
        body = try await request.decode(as: ReviewedBody.self, context: context)
      } catch {
        throw APIError.badRequest(
          #"reviewed: send {"reviewed":true} or {"reviewed":false} as JSON"#)
      }
      guard let event = try await store.setEventReviewed(id: id, body.reviewed) else {
        throw Self.notFound(id)
      }
      return JSONBody.response(MotionEventJSON(event))
    }
  }

  struct ListBody: Encodable {
    var events: [MotionEventJSON]
  }

  static func eventId(_ text: String?) throws -> Int64 {
    guard let text, let id = positiveInteger(text) else {
      throw APIError.badRequest("invalid motion event id: expected a positive whole number")
    }
    return id
  }

  static func event(_ text: String?, store: AsyncClipIndex) async throws -> MotionEventRecord {
    let id = try eventId(text)
    guard let event = try await store.event(id: id) else { throw notFound(id) }
    return event
  }

  static func notFound(_ id: Int64) -> APIError {
    APIError.notFound(
      "no motion event \(id): it may have been deleted with its footage by retention or by a user")
  }

  /// The listing's filters, each checked: a bad one is a 400 that names it.
  static func filter(_ query: Hummingbird.Parameters) throws -> MotionEventFilter {
    var filter = MotionEventFilter(limit: defaultLimit)
    for name in query.map({ String($0.key) })
    where !["camera", "since_ms", "until_ms", "min_score", "reviewed", "limit", "before_id"]
      .contains(name)
    {
      throw APIError.badRequest(
        "unknown parameter \(name): use camera, since_ms, until_ms, min_score, reviewed, limit, before_id"
      )
    }
    if let text = query.get("camera") {
      filter.cameraId = try RequestParameters.cameraId(text)
    }
    filter.sinceMs = try milliseconds(query.get("since_ms"), name: "since_ms")
    filter.untilMs = try milliseconds(query.get("until_ms"), name: "until_ms")
    if let since = filter.sinceMs, let until = filter.untilMs, until <= since {
      throw APIError.badRequest("until_ms must be after since_ms")
    }
    if let text = query.get("min_score") {
      guard let score = Double(text), score.isFinite, (0...100).contains(score) else {
        throw APIError.badRequest(
          "invalid min_score: a number from 0 to 100 (the percentage of the picture that moved)")
      }
      filter.minScore = score
    }
    switch query.get("reviewed") {
    case nil: break
    case "true": filter.reviewed = true
    case "false": filter.reviewed = false
    default: throw APIError.badRequest("invalid reviewed: use reviewed=true or reviewed=false")
    }
    if let text = query.get("limit") {
      guard let limit = positiveInteger(text), limit <= maxLimit else {
        throw APIError.badRequest("invalid limit: a whole number from 1 to \(maxLimit)")
      }
      filter.limit = Int(limit)
    }
    if let text = query.get("before_id") {
      guard let id = positiveInteger(text) else {
        throw APIError.badRequest(
          "invalid before_id: the id of the last event of the previous page")
      }
      filter.beforeId = id
    }
    return filter
  }

  /// Epoch milliseconds: a whole number, at most 15 digits (the year 33658).
  private static func milliseconds(_ text: String?, name: String) throws -> Int64? {
    guard let text else { return nil }
    guard (1...15).contains(text.utf8.count), text.utf8.allSatisfy({ (48...57).contains($0) }),
      let value = Int64(text)
    else {
      throw APIError.badRequest(
        "invalid \(name): milliseconds since 1970-01-01 UTC, a whole number such as 1765195200000")
    }
    return value
  }

  /// A positive decimal whole number without sign or leading zero, at most 18 digits.
  private static func positiveInteger(_ text: String) -> Int64? {
    guard (1...18).contains(text.utf8.count), text.utf8.first != UInt8(ascii: "0"),
      text.utf8.allSatisfy({ (48...57).contains($0) }), let value = Int64(text), value > 0
    else { return nil }
    return value
  }
}
