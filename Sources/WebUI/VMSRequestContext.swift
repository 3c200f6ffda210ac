// The per-request context of every route: Hummingbird's basics, the WebSocket upgrade slot, the
// client's address, and the user the auth middleware found (nil on the few open routes).
import Hummingbird
import HummingbirdWebSocket
import NIOCore

public struct VMSRequestContext: RequestContext, WebSocketRequestContext,
  RemoteAddressRequestContext
{
  public var coreContext: CoreRequestContextStorage
  public let webSocket: WebSocketHandlerReference<VMSRequestContext>
  /// Set by `AuthMiddleware` for every route that requires a user.
  public var user: SignedInUser?
  /// The connection, so an endless response (live MJPEG) can be cut at shutdown even while its
  /// write waits on a client that stopped reading.
  let channel: any Channel
  /// The TCP peer (the login throttle counts password checks per address).
  public let remoteAddress: SocketAddress?

  public init(source: ApplicationRequestContextSource) {
    coreContext = .init(source: source)
    channel = source.channel
    remoteAddress = source.channel.remoteAddress
    webSocket = .init()
    user = nil
  }

  /// The signed-in user; only nil on open routes, where asking for it is a programming error.
  public func requireUser() throws -> SignedInUser {
    guard let user else { throw APIError.unauthorized }
    return user
  }
}
