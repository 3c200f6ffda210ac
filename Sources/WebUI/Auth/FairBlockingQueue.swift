// Runs blocking work (bcrypt) on at most `maxConcurrent` threads at once, taking turns between
// clients: the next job to start is the oldest of the client that has had the fewest jobs started
// since the queue was last idle. A burst of guesses from one address therefore delays another
// client's job by at most the jobs already running. Off the cooperative pool (one thread per
// core), and never more than `maxConcurrent` threads.
import Dispatch
import Synchronization

final class FairBlockingQueue: Sendable {
  typealias Job = @Sendable () -> Void

  private struct State {
    var running = 0
    /// Jobs not started yet, per client, oldest first.
    var waiting: [String: [Job]] = [:]
    /// Clients with waiting jobs, in the order they first came.
    var clients: [String] = []
    /// Jobs started per client since the queue was last idle.
    var started: [String: Int] = [:]
  }

  let maxConcurrent: Int
  private let state = Mutex(State())
  private let threads: DispatchQueue

  init(label: String, maxConcurrent: Int) {
    self.maxConcurrent = max(1, maxConcurrent)
    threads = DispatchQueue(label: label, qos: .userInitiated, attributes: .concurrent)
  }

  func run<T: Sendable>(for client: String, _ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
      enqueue({ continuation.resume(returning: body()) }, for: client)
    }
  }

  private func enqueue(_ job: @escaping Job, for client: String) {
    let startNow = state.withLock { state in
      if state.running < maxConcurrent {
        state.running += 1
        state.started[client, default: 0] += 1
        return true
      }
      if state.waiting[client] == nil { state.clients.append(client) }
      state.waiting[client, default: []].append(job)
      return false
    }
    if startNow { start(job) }
  }

  private func start(_ job: @escaping Job) {
    threads.async {
      job()
      self.finished()
    }
  }

  private func finished() {
    let next: Job? = state.withLock { state in
      guard
        let client = state.clients.min(by: {
          state.started[$0, default: 0] < state.started[$1, default: 0]
        })
      else {
        state.running -= 1
        if state.running == 0 { state.started = [:] }
        return nil
      }
      var jobs = state.waiting[client] ?? []
      let job = jobs.removeFirst()
      if jobs.isEmpty {
        state.waiting[client] = nil
        state.clients.removeAll { $0 == client }
      } else {
        state.waiting[client] = jobs
      }
      state.started[client, default: 0] += 1
      return job
    }
    if let next { start(next) }
  }
}
