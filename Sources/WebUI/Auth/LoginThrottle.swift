// Slows down password guessing per user name: after a failed attempt, the next answers for that
// name wait a little longer (1 s per recent failure, at most 5 s). Cheap, bounded, and it never
// locks the real user out.
import Foundation
import Synchronization

final class LoginThrottle: Sendable {
  struct Record {
    var failures: Int
    var last: Date
  }

  static let forgetAfter: TimeInterval = 15 * 60
  static let maxNames = 1000

  private let now: @Sendable () -> Date
  private let records = Mutex<[String: Record]>([:])

  init(now: @escaping @Sendable () -> Date = Date.init) {
    self.now = now
  }

  /// Seconds to wait before answering an attempt for `name`.
  func delay(for name: String) -> TimeInterval {
    let now = now()
    return records.withLock { records in
      guard let record = records[name], now.timeIntervalSince(record.last) < Self.forgetAfter else {
        return 0
      }
      return TimeInterval(min(record.failures, 5))
    }
  }

  func failed(_ name: String) {
    let now = now()
    records.withLock { records in
      if records.count >= Self.maxNames {
        records = records.filter { now.timeIntervalSince($0.value.last) < Self.forgetAfter }
        if records.count >= Self.maxNames { records.removeAll() }
      }
      var record = records[name] ?? Record(failures: 0, last: now)
      if now.timeIntervalSince(record.last) >= Self.forgetAfter { record.failures = 0 }
      record.failures += 1
      record.last = now
      records[name] = record
    }
  }

  func succeeded(_ name: String) {
    _ = records.withLock { $0.removeValue(forKey: name) }
  }
}
