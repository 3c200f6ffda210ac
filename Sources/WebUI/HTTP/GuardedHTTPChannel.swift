// Hummingbird's HTTP/1 + WebSocket channel with `RequestHeadGuard` in front of NIO's parser and
// `RequestEndObserver` right after it. Hummingbird has no option for this: its own extra handlers
// come after the HTTP codec, and only once the first request has been parsed.
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP1

struct GuardedHTTPChannel<Base: ServerChildChannel>: ServerChildChannel {
  let base: Base
  let limits: RequestHeadLimits

  func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Base.Value> {
    let headGuard = RequestHeadGuard(limits: limits, logger: logger)
    do {
      try channel.pipeline.syncOperations.addHandler(headGuard, position: .first)
    } catch {
      return channel.eventLoop.makeFailedFuture(error)
    }
    return base.setup(channel: channel, logger: logger).assumeIsolated().flatMapThrowing { value in
      let pipeline = channel.pipeline.syncOperations
      let parser = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
      try pipeline.addHandler(RequestEndObserver(headGuard: headGuard), position: .after(parser))
      return value
    }.nonisolated()
  }

  func handle(value: Base.Value, logger: Logger) async {
    await base.handle(value: value, logger: logger)
  }
}

extension HTTPServerBuilder {
  /// `.http1WebSocketUpgrade(webSocketRouter:)` with the request-head limits enforced.
  static func guardedHTTP1WebSocketUpgrade(
    webSocketRouter: Router<VMSRequestContext>, limits: RequestHeadLimits = .standard
  ) -> HTTPServerBuilder {
    let webSocketResponder = webSocketRouter.buildResponder()
    return HTTPServerBuilder { responder in
      GuardedHTTPChannel(
        base: HTTP1WebSocketUpgradeChannel(
          responder: responder, webSocketResponder: webSocketResponder, configuration: .init()),
        limits: limits)
    }
  }
}
