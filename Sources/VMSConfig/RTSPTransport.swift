// RTSPTransport: how RTP packets travel for an rtsp:// source.

public enum RTSPTransport: String, Sendable, Equatable, CaseIterable {
  /// Interleaved in the RTSP connection: no lost packets behind NAT or firewalls; the default.
  case tcp
  /// Lower latency on a clean LAN, but losses smear the picture.
  case udp
}
