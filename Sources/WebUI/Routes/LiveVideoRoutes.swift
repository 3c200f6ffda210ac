// GET /api/v1/cameras/{id}/live?stream=main|sub: the WebSocket that carries a camera's own video to
// a Media Source Extensions player (docs/api.md, "Live video"). The upgrade request went through
// AuthMiddleware like any API call (cookie or Basic, same-origin check); an unknown camera (404) or
// stream (400) is refused before the upgrade, as plain HTTP.
//
// Server to player: a `stream` JSON text, the init segment (binary), then one fragment per frame
// (binary), with `state`, `skip` and `unsupported` texts when they happen. Player to server:
// `{"type":"ack","bytes":N}`, the running total of fragment bytes it has appended since the last
// init segment; a player that falls behind is moved to a later keyframe instead of slowing anyone.
import Foundation
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import VMSRuntime

enum LiveVideoRoutes {
  static func add(to router: Router<VMSRequestContext>, environment: WebEnvironment) {
    let streams = environment.services.supervisor.liveVideo
    router.ws(
      "/api/v1/cameras/:id/live",
      shouldUpgrade: { request, context in
        _ = try context.requireUser()
        _ = try await environment.configuredCamera(context.parameters.get("id"))
        _ = try kind(request)
        return .upgrade([:])
      },
      onUpgrade: { inbound, outbound, context in
        guard let id = context.requestContext.parameters.get("id"),
          let kind = try? kind(context.request)
        else { return }
        let viewer = streams.stream(cameraId: id, kind).subscribe()
        defer { viewer.leave() }
        try await withThrowingTaskGroup(of: Void.self) { group in
          group.addTask {
            for try await message in inbound.messages(maxSize: 4096) {
              if case .text(let text) = message, let bytes = acknowledgedBytes(text) {
                viewer.acknowledge(totalBytes: bytes)
              }
            }
          }
          group.addTask {
            while let message = await viewer.next() {
              switch message {
              case .text(let text): try await outbound.write(.text(text))
              case .binary(let bytes): try await outbound.write(.binary(ByteBuffer(bytes: bytes)))
              case .fragment(let fragment):
                var buffer = ByteBuffer()
                buffer.reserveCapacity(fragment.count)
                buffer.writeBytes(fragment.moof)
                buffer.writeBytes(fragment.mdat)
                try await outbound.write(.binary(buffer))
              }
            }
          }
          // Either side ending (the player went away, the viewer was closed) ends both.
          _ = try await group.next()
          viewer.leave()
          group.cancelAll()
        }
      })
  }

  /// `stream=main` (the default) or `stream=sub`.
  static func kind(_ request: Request) throws -> LiveStreamKind {
    guard let text = request.uri.queryParameters.get("stream") else { return .main }
    guard let kind = LiveStreamKind(rawValue: text) else {
      throw APIError.badRequest("stream must be main or sub, not \"\(text)\"")
    }
    return kind
  }

  /// The byte count of a player's `{"type":"ack","bytes":N}`. Every player sends one per fragment,
  /// so the usual forms (either key order, any spacing) are read by hand; anything else goes
  /// through the JSON decoder.
  static func acknowledgedBytes(_ text: String) -> Int? {
    if let bytes = plainAcknowledgedBytes(text) { return bytes }
    return decodedAcknowledgedBytes(text)
  }

  /// What comes before and after the number in the two orders of an ack, spaces left out.
  private static let ackForms: [(head: [UInt8], tail: [UInt8])] = [
    (Array(#"{"type":"ack","bytes":"#.utf8), Array("}".utf8)),
    (Array(#"{"bytes":"#.utf8), Array(#","type":"ack"}"#.utf8)),
  ]

  static func plainAcknowledgedBytes(_ text: String) -> Int? {
    guard text.utf8.count <= 128 else { return nil }
    let compact = Array(text.utf8.filter { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D })
    for (head, tail) in ackForms {
      guard compact.count > head.count + tail.count, compact.starts(with: head),
        compact.suffix(tail.count).elementsEqual(tail)
      else { continue }
      let digits = compact[head.count..<compact.count - tail.count]
      guard digits.count <= 15, digits.allSatisfy({ (0x30...0x39).contains($0) }) else {
        return nil
      }
      return digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
    }
    return nil
  }

  static func decodedAcknowledgedBytes(_ text: String) -> Int? {
    struct Ack: Decodable {
      var type: String
      var bytes: Int
    }
    guard let ack = try? JSONDecoder().decode(Ack.self, from: Data(text.utf8)), ack.type == "ack"
    else { return nil }
    return ack.bytes
  }
}
