// Sizes in log lines and statuses, in the units the configuration accepts (decimal: 2GB = 2e9 bytes).
import Foundation

enum ByteText {
  static func of(_ bytes: Int64) -> String {
    let units: [(String, Double)] = [("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)]
    let value = Double(bytes)
    for (unit, size) in units where abs(value) >= size {
      return String(format: "%.1f %@", value / size, unit)
    }
    return "\(bytes) bytes"
  }
}
