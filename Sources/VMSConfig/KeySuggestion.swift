// KeySuggestion: the known key an unknown one was probably meant to be (`pre_rol` -> `pre_roll`).

enum KeySuggestion {
  /// The closest of `candidates` to `key`, or nil when none is close enough to be a likely typo.
  static func closest(to key: String, among candidates: [String]) -> String? {
    let wanted = normalized(key)
    if let same = candidates.first(where: { normalized($0) == wanted }) { return same }
    let limit = max(1, min(3, wanted.count / 3))
    var best: (candidate: String, distance: Int)?
    for candidate in candidates {
      let distance = editDistance(Array(wanted), Array(normalized(candidate)))
      if distance <= limit && distance < (best?.distance ?? Int.max) {
        best = (candidate, distance)
      }
    }
    if let best { return best.candidate }
    // A shortened key: "retention" for "retention_days".
    if wanted.count >= 4 {
      return candidates.first { normalized($0).hasPrefix(wanted) }
    }
    return nil
  }

  /// Case, `-`/`_` and camelCase differences are not typos worth an edit each.
  static func normalized(_ key: String) -> String {
    String(key.lowercased().unicodeScalars.filter { $0 != "_" && $0 != "-" && $0 != " " })
  }

  /// Levenshtein distance, with a swap of two neighbours counting as one edit.
  static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous2 = [Int](repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
      current[0] = i
      for j in 1...b.count {
        let cost = a[i - 1] == b[j - 1] ? 0 : 1
        current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
        if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
          current[j] = min(current[j], previous2[j - 2] + 1)
        }
      }
      (previous2, previous, current) = (previous, current, previous2)
    }
    return previous[b.count]
  }
}
