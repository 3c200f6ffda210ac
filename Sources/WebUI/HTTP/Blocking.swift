// Runs blocking work (SQLite, fsync, file reads) off the cooperative pool, which has only as many
// threads as cores: a blocking call there would stall every camera's status and every request.
// Password checks (bcrypt) have their own bounded queue: Auth/FairBlockingQueue.
import Dispatch

enum Blocking {
  private static let queue = DispatchQueue(
    label: "vms.web.blocking", qos: .userInitiated, attributes: .concurrent)

  static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
      queue.async { continuation.resume(with: Result { try body() }) }
    }
  }

  static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
      queue.async { continuation.resume(returning: body()) }
    }
  }
}
