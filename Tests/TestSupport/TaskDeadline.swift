// A deadline for a task under test: a test that would hang fails instead.

/// Waits for `task` to end; true when it ended by itself within `limit` (else it is cancelled, so
/// the test goes on and fails rather than hanging).
public func ends(_ task: Task<Void, Never>, within limit: Duration) async -> Bool {
  let start = ContinuousClock.now
  let watchdog = Task {
    try await Task.sleep(for: limit)
    task.cancel()
  }
  await task.value
  watchdog.cancel()
  return ContinuousClock.now - start < limit
}
