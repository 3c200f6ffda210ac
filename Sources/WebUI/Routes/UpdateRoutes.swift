// GET /api/v1/update: the last result of the background release-feed check.
import Hummingbird

enum UpdateRoutes {
  static func add(to router: Router<VMSRequestContext>, environment: WebEnvironment) {
    router.get("/api/v1/update") { _, _ -> Response in
      JSONBody.response(await environment.updates.status)
    }
  }
}
