// A deadline for waiting on a stream under test: a test whose awaited event never comes fails
// instead of hanging.

/// The elements of `stream`, in order, up to and including the first `isLast` accepts; nil when that
/// one did not come within `limit` (or the stream ended first).
public func elements<Element: Sendable>(
  of stream: AsyncStream<Element>, within limit: Duration = .seconds(60),
  until isLast: @escaping @Sendable (Element) -> Bool
) async -> [Element]? {
  let reading = Task { () -> [Element]? in
    var seen: [Element] = []
    for await element in stream {
      seen.append(element)
      if isLast(element) { return seen }
    }
    return nil  // ended, or cancelled by the watchdog
  }
  let watchdog = Task {
    try await Task.sleep(for: limit)
    reading.cancel()
  }
  let seen = await reading.value
  watchdog.cancel()
  return seen
}
