// What the original program ("Mon VMS Web", Python/Flask) kept in `cameras.json` and
// `settings.json`, read tolerantly. Their exact shapes were never documented, so every reading
// below is an assumption, and unknown keys are ignored rather than refused:
//
// - `cameras.json`: a list of camera objects, a map of name -> object, or an object holding such
//   a list or map under `cameras`. A camera object: `name` (or `nom`, `id`, or the map key), its
//   stream in `url` / `rtsp_url` / `source` / `stream_url` / `record_url`, optionally a second
//   stream in `detect_url` / `sub_url` / `substream_url`, `enabled` / `active` / `actif`
//   (default true), `sensitivity` / `sensibilite`, `min_record_time` / `min_recording_time` /
//   `min_duration` / `duree_min` (seconds), `retention_days`.
// - `settings.json`: `retention_days` (or `retention`, `jours_retention`, `retention_jours`),
//   0 meaning keep forever; anything else is ignored.
import Foundation

public struct SeedCamera: Sendable, Equatable {
  public var name: String
  public var url: String
  public var detectURL: String?
  public var enabled: Bool
  public var sensitivity: Double?
  public var minRecordSeconds: Double?
  public var retentionDays: Int?
}

public struct SeedSettings: Sendable, Equatable {
  public var cameras: [SeedCamera] = []
  public var retentionDays: Int?
  /// Things skipped while reading, for the report (a camera without a URL...).
  public var warnings: [String] = []

  public init() {}

  /// Reads `cameras.json` and `settings.json` in `root`; a missing file is not an error (a user
  /// may have only one of them), a file that is not JSON is.
  public static func read(root: String) throws -> SeedSettings {
    var settings = SeedSettings()
    if let value = try readJSON(root + "/cameras.json") {
      settings.cameras = cameraObjects(value).compactMap { name, object in
        camera(name: name, object, warnings: &settings.warnings)
      }
    }
    if let value = try readJSON(root + "/settings.json") as? [String: Any] {
      settings.retentionDays = int(
        value, ["retention_days", "retention", "jours_retention", "retention_jours"])
    }
    return settings
  }

  private static func readJSON(_ path: String) throws -> Any? {
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    do {
      return try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    } catch {
      throw SeedImportError(
        "\(path) is not valid JSON (\(error.localizedDescription)): fix or remove it, then run import-seed again"
      )
    }
  }

  /// (name from a map key, object) pairs, whatever the container shape.
  private static func cameraObjects(_ value: Any) -> [(String?, [String: Any])] {
    if let list = value as? [Any] {
      return list.compactMap { ($0 as? [String: Any]).map { (nil, $0) } }
    }
    guard let map = value as? [String: Any] else { return [] }
    if let inner = map["cameras"] ?? map["cams"] { return cameraObjects(inner) }
    // A single camera object at the top level, or a map of name -> object.
    if string(map, urlKeys) != nil { return [(nil, map)] }
    return map.keys.sorted().compactMap { key in (map[key] as? [String: Any]).map { (key, $0) } }
  }

  static let urlKeys = ["url", "rtsp_url", "rtsp", "source", "stream_url", "record_url", "stream"]

  private static func camera(name key: String?, _ object: [String: Any], warnings: inout [String])
    -> SeedCamera?
  {
    let name = string(object, ["name", "nom", "title", "id"]) ?? key ?? ""
    guard !name.isEmpty else {
      warnings.append("a camera in cameras.json has no name: skipped")
      return nil
    }
    guard let url = string(object, urlKeys), !url.isEmpty else {
      warnings.append("camera \"\(name)\" has no URL in cameras.json: skipped")
      return nil
    }
    return SeedCamera(
      name: name, url: url,
      detectURL: string(object, ["detect_url", "sub_url", "substream_url", "substream"]),
      enabled: bool(object, ["enabled", "active", "actif", "enable"]) ?? true,
      sensitivity: double(
        object, ["sensitivity", "sensibilite", "sensibilité", "motion_sensitivity"]),
      minRecordSeconds: double(
        object,
        [
          "min_record_time", "min_recording_time", "min_duration", "duree_min",
          "min_record_duration",
        ]),
      retentionDays: int(object, ["retention_days", "retention"]))
  }

  // MARK: Tolerant scalars (numbers may come as strings, booleans as "true"/1/"on")

  static func value(_ object: [String: Any], _ keys: [String]) -> Any? {
    for key in keys {
      if let found = object[key] ?? object.first(where: { $0.key.lowercased() == key })?.value,
        !(found is NSNull)
      {
        return found
      }
    }
    return nil
  }

  static func string(_ object: [String: Any], _ keys: [String]) -> String? {
    switch value(object, keys) {
    case let text as String: return text.trimmingCharacters(in: .whitespacesAndNewlines)
    case let number as NSNumber: return number.stringValue
    default: return nil
    }
  }

  static func double(_ object: [String: Any], _ keys: [String]) -> Double? {
    switch value(object, keys) {
    case let number as NSNumber: return number.doubleValue
    case let text as String:
      return Double(
        text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: "."))
    default: return nil
    }
  }

  static func int(_ object: [String: Any], _ keys: [String]) -> Int? {
    double(object, keys).flatMap { $0.isFinite && $0 >= 0 ? Int($0.rounded()) : nil }
  }

  static func bool(_ object: [String: Any], _ keys: [String]) -> Bool? {
    switch value(object, keys) {
    case let text as String:
      switch text.lowercased() {
      case "true", "yes", "on", "1", "oui": return true
      case "false", "no", "off", "0", "non": return false
      default: return nil
      }
    case let number as NSNumber: return number.doubleValue != 0
    default: return nil
    }
  }
}

public struct SeedImportError: Error, CustomStringConvertible, Sendable {
  public var description: String
  public init(_ description: String) { self.description = description }
}
