// Hands new settings to code that runs a blocking loop on its own thread (a stream reader) and so
// cannot receive an actor message: the loop takes what is waiting between two packets. A lock held
// for a pointer swap costs nothing next to a packet read.
import Synchronization

final class SettingsMailbox<Value: Sendable>: Sendable {
  private let pending = Mutex<Value?>(nil)

  func post(_ value: Value) {
    pending.withLock { $0 = value }
  }

  /// The newest value posted since the last call, if any.
  func take() -> Value? {
    pending.withLock { value in
      defer { value = nil }
      return value
    }
  }
}
