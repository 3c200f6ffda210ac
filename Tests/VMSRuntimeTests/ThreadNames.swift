// The names of this process's threads, for tests that check which thread does a job.
import Foundation

/// Names of this process's threads (`/proc/self/task/*/comm`), with their counts.
func threadNames() -> [String: Int] {
  let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
  var counts: [String: Int] = [:]
  for task in tasks {
    guard let name = try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8)
    else { continue }
    counts[name.trimmingCharacters(in: .whitespacesAndNewlines), default: 0] += 1
  }
  return counts
}
