// GET /metrics: every metric of the process in the Prometheus text format (0.0.4), for scrapers.
// Behind the normal auth gate like the API (scrapers send HTTP Basic credentials): the metrics name
// the cameras and show when they move, which is not for anonymous callers.
import Hummingbird
import Prometheus

enum MetricsRoutes {
  static let path = "/metrics"

  static func add(to router: Router<VMSRequestContext>, registry: PrometheusCollectorRegistry?) {
    // Without a registry (tests, tools) there is nothing to render: the path stays a 404.
    guard let registry else { return }
    router.get(RouterPath(path)) { _, _ -> Response in
      var text: [UInt8] = []
      text.reserveCapacity(16 * 1024)
      registry.emit(into: &text)
      return Response(
        status: .ok,
        headers: [
          .contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store",
        ],
        body: .init(byteBuffer: ByteBuffer(bytes: text)))
    }
  }
}
