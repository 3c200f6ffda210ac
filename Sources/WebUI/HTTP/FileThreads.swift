// Blocking file work of the web layer (opening and reading clip files, stat, statvfs, and the
// index's link, fsync and unlink) runs on a NIOThreadPool, never on the cooperative pool: that pool
// has only as many threads as cores, and one blocking call there stalls every request and every
// camera's status. NIO's pool has a fixed number of threads, so a burst of requests queues there
// instead of growing threads without bound. SQL does not come here: it goes through GRDB's async
// access (`AsyncClipIndex`). Password checks (bcrypt) have their own bounded queue:
// Auth/FairBlockingQueue.
import NIOPosix
import Storage

struct FileThreads: BlockingIO {
  let pool: NIOThreadPool

  func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await pool.runIfActive(body)
  }
}
