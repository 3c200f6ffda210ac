// Archive comments of the original program, from its `.meta.json` files. Where they lived was never
// documented; all of these are read, the nearest winning:
// - a sidecar beside the video: `CLIP.mp4.meta.json` or `CLIP.meta.json`;
// - a `.meta.json` in the video's folder or any folder above it up to `archives/`, mapping the
//   file name, its name without `.mp4`, or its path relative to that folder, to the comment.
// A comment is a string, or an object with `comment` (or `commentaire`, `note`, `description`).
import Foundation

public struct SeedComments {
  private let root: String
  private var folderMaps: [String: [String: Any]] = [:]

  /// `root`: the seed's `archives/` folder.
  public init(root: String) { self.root = root }

  /// The comment of the archived video at `relative` (below `root`), or nil.
  public mutating func comment(forVideo relative: String) -> String? {
    let components = relative.split(separator: "/").map(String.init)
    guard let file = components.last else { return nil }
    let stem = file.hasSuffix(".mp4") ? String(file.dropLast(4)) : file
    let folder = components.dropLast().joined(separator: "/")
    let folderPath = folder.isEmpty ? root : root + "/" + folder
    for sidecar in ["\(file).meta.json", "\(stem).meta.json"] {
      if let value = Self.readJSON(folderPath + "/" + sidecar), let text = Self.text(of: value) {
        return text
      }
    }
    // Folders from the video's own up to the archives root.
    var depth = components.count - 1
    while depth >= 0 {
      let folderParts = components.prefix(depth)
      let path = folderParts.isEmpty ? root : root + "/" + folderParts.joined(separator: "/")
      let map = folderMap(path)
      let below = components.dropFirst(depth).joined(separator: "/")
      for key in [file, stem, below, String(below.dropLast(4))] {
        if let value = map[key], let text = Self.text(of: value) { return text }
      }
      depth -= 1
    }
    return nil
  }

  private mutating func folderMap(_ path: String) -> [String: Any] {
    if let cached = folderMaps[path] { return cached }
    let meta = Self.readJSON(path + "/.meta.json")
    var map = (meta as? [String: Any]) ?? [:]
    // A list of {file, comment} objects is accepted too.
    if map.isEmpty, let list = meta as? [[String: Any]] {
      for entry in list {
        if let name = SeedSettings.string(entry, ["file", "filename", "fichier", "name", "path"]) {
          map[name] = entry
        }
      }
    }
    folderMaps[path] = map
    return map
  }

  private static func readJSON(_ path: String) -> Any? {
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    return try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
  }

  private static func text(of value: Any) -> String? {
    if let text = value as? String { return text }
    if let object = value as? [String: Any] {
      return SeedSettings.string(object, ["comment", "commentaire", "note", "description"])
    }
    return nil
  }
}
