// Concurrent callers asking for the same key share one run of the work and all get its result.
// 200 clients opening the event WebSocket at once with the same Basic credentials all miss the
// credential cache (it is filled only once a check has finished); without this each would run
// its own bcrypt check (~0.3 s of a core each).
import Synchronization

final class SingleFlight<Value: Sendable>: Sendable {
  private let running = Mutex<[String: Task<Value, Never>]>([:])

  /// The result of `work` run for `key`, or of the run already under way for it.
  func value(for key: String, _ work: @escaping @Sendable () async -> Value) async -> Value {
    let task = running.withLock { running in
      if let task = running[key] { return task }
      let task = Task { await work() }
      running[key] = task
      return task
    }
    let value = await task.value
    running.withLock { running in
      if running[key] == task { running[key] = nil }
    }
    return value
  }

  var runningCount: Int { running.withLock { $0.count } }
}
