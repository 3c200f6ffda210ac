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
    // Named from inside the thread through /proc (Linux caps names at 15 bytes). Foundation's
    // `Thread.current.name` loses a race when the new thread runs before `start()` has recorded
    // it: the thread then keeps the name it inherited from its creator (a pool thread's
    // "com.apple.root.default-qos"), seen under load as a camera without its reader thread.
    let fd = open("/proc/thread-self/comm", O_WRONLY)
    if fd >= 0 {
      let bytes = Array(name.utf8.prefix(15))
      _ = bytes.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count) }
      close(fd)
    }
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
