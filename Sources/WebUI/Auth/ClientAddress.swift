// Who a request comes from, as the login throttle counts it: the TCP peer's address. An IPv6 peer
// is counted by its /64 network (one subscriber usually holds a whole /64 and could otherwise
// rotate through its addresses); an IPv4-mapped IPv6 address counts as the IPv4 address it is.
import NIOCore

enum ClientAddress {
  static func key(of address: SocketAddress?) -> String {
    guard let address else { return "unknown" }
    switch address {
    case .v4:
      return address.ipAddress ?? "unknown"
    case .v6(let v6):
      let bytes = withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
      if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff {
        return bytes[12...].map(String.init).joined(separator: ".")
      }
      let groups = stride(from: 0, to: 8, by: 2).map {
        String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16)
      }
      return groups.joined(separator: ":") + "::/64"
    case .unixDomainSocket:
      return "local"
    }
  }
}
