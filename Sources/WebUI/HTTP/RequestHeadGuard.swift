// The two channel handlers that enforce `RequestHeadLimits` on every connection.
//
// `RequestHeadGuard` sits first in the pipeline, in front of NIO's HTTP parser, and scans the raw
// bytes of each request head: past a limit it answers 414 or 431 at once and closes. Body bytes
// pass unscanned. `RequestEndObserver` sits right after the parser and tells the guard where each
// request ends (so the next head is scanned again) and when a connection becomes a WebSocket (from
// then on the bytes are frames, not HTTP), and when each answer has been written (a refusal waits
// for the answers to earlier pipelined requests). It also answers parser errors: without it a malformed
// first request on a connection is never answered (NIO's upgrade handler, first in line before
// the first request, leaves parser errors unhandled and the connection hangs).
import Logging
import NIOCore
import NIOHTTP1

final class RequestHeadGuard: ChannelInboundHandler, RemovableChannelHandler {
  typealias InboundIn = ByteBuffer
  typealias InboundOut = ByteBuffer
  typealias OutboundOut = ByteBuffer

  /// After a refusal, how long the client's remaining bytes are read and dropped before the
  /// connection is closed. Closing with unread bytes makes the kernel send a reset, which can
  /// destroy the answer before the client reads it.
  static let lingerSeconds: Int64 = 2

  private enum State {
    case head(RequestHeadScanner)
    /// After a head, until the parser reports the request's end.
    case body
    /// A WebSocket: nothing more to check.
    case passThrough
    case refused
  }

  let limits: RequestHeadLimits
  private let logger: Logger
  private var state: State
  private var context: ChannelHandlerContext?
  /// Requests parsed whose answer is not written whole yet.
  private var answersDue = 0
  private var deferredRefusal: RequestRefusal?

  init(limits: RequestHeadLimits, logger: Logger) {
    self.limits = limits
    self.logger = logger
    state = .head(RequestHeadScanner(limits: limits))
  }

  func handlerAdded(context: ChannelHandlerContext) { self.context = context }
  func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    var buffer = unwrapInboundIn(data)
    while buffer.readableBytes > 0 {
      switch state {
      case .refused:
        return
      case .body, .passThrough:
        // A request end inside these bytes (pipelining) leaves the start of the next head
        // unscanned; scanning resumes with the next read, and NIO's own limit stays behind it.
        context.fireChannelRead(wrapInboundOut(buffer))
        return
      case .head(var scanner):
        switch scanner.scan(buffer.readableBytesView) {
        case .needMore:
          state = .head(scanner)
          context.fireChannelRead(wrapInboundOut(buffer))
          return
        case .endsAfter(let byteCount):
          // Set before forwarding: the observer may end the request while the parser reads it.
          state = .body
          context.fireChannelRead(wrapInboundOut(buffer.readSlice(length: byteCount)!))
        case .refused(let refusal):
          refuse(refusal)
          return
        }
      }
    }
  }

  /// A request's head was parsed: its answer is now due.
  func requestStarted() { answersDue += 1 }

  /// The request ended: the next bytes are a new head.
  func requestEnded() {
    switch state {
    case .head, .body: state = .head(RequestHeadScanner(limits: limits))
    case .passThrough, .refused: break
    }
  }

  /// An answer was written whole; a refusal waiting for it goes out now.
  func answerEnded() {
    answersDue = max(0, answersDue - 1)
    if answersDue == 0, let refusal = deferredRefusal {
      deferredRefusal = nil
      send(refusal)
    }
  }

  /// The connection is becoming a WebSocket.
  func stopChecking() {
    if case .refused = state { return }
    state = .passThrough
  }

  /// Reads nothing more, and answers with `refusal` once the answers due to earlier (pipelined)
  /// requests are written, so every answer still matches its request.
  func refuse(_ refusal: RequestRefusal) {
    if case .refused = state { return }
    state = .refused
    if answersDue > 0 {
      deferredRefusal = refusal
    } else {
      send(refusal)
    }
  }

  /// Writes the answer, then closes: at once for writing (the client reads the answer and an end
  /// of stream), after `lingerSeconds` (or when the client closes) for reading.
  private func send(_ refusal: RequestRefusal) {
    guard let context else { return }
    let peer = context.channel.remoteAddress?.description ?? "unknown"
    logger.debug("refused a request from \(peer): \(refusal.statusCode) \(refusal.message)")
    context.writeAndFlush(
      wrapOutboundOut(refusal.response(allocator: context.channel.allocator)), promise: nil)
    context.close(mode: .output, promise: nil)
    let channel = context.channel
    context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(Self.lingerSeconds)) {
      channel.close(promise: nil)
    }
  }

  func channelInactive(context: ChannelHandlerContext) {
    if case .refused = state {
      // Told as an end of input first, the handlers behind us that still wait for a first
      // request stop quietly instead of logging an error about a vanished channel.
      context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
    }
    context.fireChannelInactive()
  }
}

final class RequestEndObserver: ChannelDuplexHandler, RemovableChannelHandler {
  typealias InboundIn = HTTPServerRequestPart
  typealias InboundOut = HTTPServerRequestPart
  typealias OutboundIn = HTTPServerResponsePart
  typealias OutboundOut = HTTPServerResponsePart

  private let headGuard: RequestHeadGuard
  private var upgrading = false

  init(headGuard: RequestHeadGuard) {
    self.headGuard = headGuard
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    let part = unwrapInboundIn(data)
    context.fireChannelRead(data)
    switch part {
    case .head(let head):
      headGuard.requestStarted()
      if head.headers[canonicalForm: "upgrade"].contains(where: { $0.lowercased() == "websocket" })
      {
        upgrading = true
        headGuard.stopChecking()
      }
    case .body:
      break
    case .end:
      if upgrading {
        // The parser is removed by the upgrade; after it come WebSocket frames, not request parts.
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
      } else {
        headGuard.requestEnded()
      }
    }
  }

  func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
    let part = unwrapOutboundIn(data)
    context.write(data, promise: promise)
    if case .end = part { headGuard.answerEnded() }
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    guard let parserError = error as? HTTPParserError else {
      context.fireErrorCaught(error)
      return
    }
    // An overflow here is NIO's own limit, behind ours: only a head that was not scanned whole
    // (pipelined after a body) reaches it.
    headGuard.refuse(
      parserError == .headerOverflow
        ? .headersTooLarge(maxBytes: headGuard.limits.maxHeaderBytes) : .malformed)
  }
}
