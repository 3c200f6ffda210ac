// A serial executor backed by one dedicated thread.
//
// Actors that make blocking C calls (FFmpeg's open/read/decode, file writes and fsync) run on one of
// these so they never occupy a thread of the cooperative pool, which has only as many threads as
// cores (2 here): one stalled camera must not starve every other task in the process.
import Foundation

public final class ThreadExecutor: SerialExecutor, @unchecked Sendable {
  private let condition = NSCondition()
  // Guarded by `condition`.
  private var jobs: [UnownedJob] = []
  private var stopping = false
  private let name: String

  public init(name: String) {
    self.name = name
    let thread = Thread { [self] in self.runLoop() }
    thread.stackSize = 1 << 20
    thread.start()
  }

  public func enqueue(_ job: consuming ExecutorJob) {
    let unowned = UnownedJob(job)
    condition.lock()
    jobs.append(unowned)
    condition.signal()
    condition.unlock()
  }

  public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
    UnownedSerialExecutor(ordinary: self)
  }

  /// Lets the thread exit once its queue is empty. Call it after the last job for this executor was
  /// enqueued (the owning actor's work is over); a job enqueued later would never run.
  public func shutdown() {
    condition.lock()
    stopping = true
    condition.signal()
    condition.unlock()
  }

  private func runLoop() {
    // Linux names a thread only from inside it (pthread names are capped at 15 bytes).
    Thread.current.name = String(name.prefix(15))
    while true {
      condition.lock()
      while jobs.isEmpty && !stopping { condition.wait() }
      if jobs.isEmpty && stopping {
        condition.unlock()
        return
      }
      let batch = jobs
      jobs.removeAll(keepingCapacity: true)
      condition.unlock()
      for job in batch { job.runSynchronously(on: asUnownedSerialExecutor()) }
    }
  }
}
