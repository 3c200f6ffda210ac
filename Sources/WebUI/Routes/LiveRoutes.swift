// GET /api/v1/cameras/{id}/live.mjpeg and /snapshot.jpg, from the camera's shared live feed (or,
// `snapshot.jpg?stream=main|sub`, from that input's newest keyframe).
import AsyncAlgorithms
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
        // Frames (nil: a keep-alive tick) merged into one sequence. The feed's stream keeps only
        // the newest frame while a write waits, and the timer does not queue ticks. It ends when
        // the client goes away (a write throws), which drops the subscription and stops the
        // encoding if nobody else watches, and on graceful shutdown.
        let items = merge(
          feed.subscribe().map { Optional($0) },
          AsyncTimerSequence(interval: .seconds(keepAliveSeconds), clock: .continuous).map {
            _ -> LiveFrame? in nil
          })
        // An endless response would hold a graceful shutdown forever (worse, a write can wait on
        // a client that stopped reading): on shutdown the sequence ends and the connection is cut.
        try await withGracefulShutdownHandler {
          var last: LiveFrame?
          var lastSent = ContinuousClock.now
          for await item in items.cancelOnGracefulShutdown() {
            guard let frame = item ?? last else { continue }
            if item == nil && ContinuousClock.now - lastSent < .seconds(keepAliveSeconds) {
              continue
            }
            last = frame
            try await writer.write(part(frame.jpeg))
            lastSent = .now
          }
          try await writer.finish(nil)
        } onGracefulShutdown: {
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

    // Without `stream`: the live MJPEG picture (the detect input, at `live.width`). With
    // `stream=main|sub`: that input's newest keyframe at its own resolution (LiveSnapshot).
    router.get("/api/v1/cameras/:id/snapshot.jpg") { request, context -> Response in
      let camera = try await environment.configuredCamera(context.parameters.get("id"))
      let jpeg: [UInt8]?
      if request.uri.queryParameters.get("stream") != nil {
        let kind = try LiveVideoRoutes.kind(request)
        jpeg = await environment.services.supervisor.liveVideo.stream(cameraId: camera.id, kind)
          .snapshotJPEG()
      } else {
        jpeg = await environment.services.live.feed(for: camera.id).snapshot()?.jpeg
      }
      guard let jpeg else {
        throw APIError(
          .serviceUnavailable,
          "camera \(camera.id) has no picture right now: check its status and try again")
      }
      return Response(
        status: .ok,
        headers: [
          .contentType: "image/jpeg", .contentLength: String(jpeg.count),
          .cacheControl: "no-store",
        ],
        body: .init(byteBuffer: ByteBuffer(bytes: jpeg)))
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
