// GET /api/v1/cameras/{id}/live.mjpeg and /snapshot.jpg, from the camera's shared live feed.
import Foundation
import Hummingbird
import ServiceLifecycle
import VMSRuntime

enum LiveRoutes {
  static let boundary = "frame"
  /// With no new frame for this long, the last one is sent again: the write is what tells us a
  /// viewer has gone, so a frozen camera does not keep dead viewers subscribed forever.
  static let keepAliveSeconds = 5.0

  static func add(to router: Router<VMSRequestContext>, environment: WebEnvironment) {
    router.get("/api/v1/cameras/:id/live.mjpeg") { _, context -> Response in
      let camera = try await environment.configuredCamera(context.parameters.get("id"))
      let feed = environment.services.live.feed(for: camera.id)
      let channel = context.channel
      let body = ResponseBody { writer in
        // Frames and keep-alive ticks merged into one stream; ends when the client goes away
        // (a write throws), which drops the subscription and stops the encoding if nobody else watches.
        let (ticks, tick) = AsyncStream<LiveFrame?>.makeStream(bufferingPolicy: .bufferingNewest(2))
        let forward = Task {
          for await frame in feed.subscribe() { tick.yield(frame) }
          tick.finish()
        }
        let beat = Task {
          while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(keepAliveSeconds))
            tick.yield(nil)
          }
        }
        defer {
          forward.cancel()
          beat.cancel()
          tick.finish()
        }
        // An endless response would hold a graceful shutdown forever (worse, a write can wait on
        // a client that stopped reading): on shutdown the stream ends and the connection is cut.
        try await withGracefulShutdownHandler {
          var last: LiveFrame?
          var lastSent = Date.distantPast
          for await item in ticks {
            guard let frame = item ?? last else { continue }
            if item == nil && Date().timeIntervalSince(lastSent) < keepAliveSeconds { continue }
            last = frame
            try await writer.write(part(frame.jpeg))
            lastSent = Date()
          }
          try await writer.finish(nil)
        } onGracefulShutdown: {
          tick.finish()
          channel.close(promise: nil)
        }
      }
      return Response(
        status: .ok,
        headers: [
          .contentType: "multipart/x-mixed-replace; boundary=\(boundary)",
          .cacheControl: "no-store",
        ],
        body: body)
    }

    router.get("/api/v1/cameras/:id/snapshot.jpg") { _, context -> Response in
      let camera = try await environment.configuredCamera(context.parameters.get("id"))
      guard let frame = await environment.services.live.feed(for: camera.id).snapshot() else {
        throw APIError(
          .serviceUnavailable,
          "camera \(camera.id) has no picture right now: check its status and try again")
      }
      return Response(
        status: .ok,
        headers: [
          .contentType: "image/jpeg", .contentLength: String(frame.jpeg.count),
          .cacheControl: "no-store",
        ],
        body: .init(byteBuffer: ByteBuffer(bytes: frame.jpeg)))
    }
  }

  static func part(_ jpeg: [UInt8]) -> ByteBuffer {
    var buffer = ByteBuffer()
    buffer.writeString(
      "--\(boundary)\r\nContent-Type: image/jpeg\r\nContent-Length: \(jpeg.count)\r\n\r\n")
    buffer.writeBytes(jpeg)
    buffer.writeString("\r\n")
    return buffer
  }
}
