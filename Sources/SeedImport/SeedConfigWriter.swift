// The YAML for the original program's cameras: a new file, or new camera blocks added to an
// existing one (a camera id already there is left exactly as it is, so running the import again,
// or after editing the file, changes nothing). Blocks are written by `ConfigEditor`, which keeps
// every other line of an existing file.
import VMSConfig

public enum SeedConfigWriter {
  /// One camera as our YAML block fields.
  public static func fields(of camera: SeedCamera) -> [(String, YAMLValue)] {
    var fields: [(String, YAMLValue)] = [
      ("name", .string(camera.name)), ("enabled", .bool(camera.enabled)),
      ("record_url", .string(camera.url)),
    ]
    if let detect = camera.detectURL, !detect.isEmpty, detect != camera.url {
      fields.append(("detect_url", .string(detect)))
    }
    fields.append(
      (
        "detector",
        .mapping([
          ("type", .string("mog2")),
          ("min_area_percent", .number(minAreaPercent(sensitivity: camera.sensitivity))),
        ])
      ))
    if let seconds = camera.minRecordSeconds, seconds > 0 {
      // Our clips also get pre- and post-roll; the minimum keeps the original's meaning: no clip
      // shorter than this.
      fields.append(
        ("recording", .mapping([("min_duration", .string("\(Int(seconds.rounded()))s"))])))
    }
    if let days = camera.retentionDays { fields.append(("retention_days", .integer(days))) }
    return fields
  }

  /// The original's `sensitivity` as our detector's `min_area_percent` (the share of the picture
  /// that must change to count as motion; smaller = more sensitive):
  /// - 0...100 is read as a percentage of sensitivity: 100 -> 0.05 %, 90 -> 0.5 % (our default),
  ///   50 -> 2.5 %, 0 -> 5 %;
  /// - above 100 it is read as OpenCV's minimum contour area in pixels of a 640x480 frame (what
  ///   such scripts compare `cv2.contourArea` with): 500 -> 0.16 %;
  /// - absent: 0.5 %, our default.
  public static func minAreaPercent(sensitivity: Double?) -> Double {
    guard let sensitivity, sensitivity.isFinite, sensitivity >= 0 else { return 0.5 }
    let percent =
      sensitivity <= 100 ? (100 - sensitivity) / 20 : sensitivity / (640 * 480) * 100
    return (min(max(percent, 0.05), 50) * 100).rounded() / 100
  }

  /// A whole new configuration file for these cameras.
  public static func newFile(
    cameras: [(id: String, camera: SeedCamera)], retentionDays: Int?, dataDirectory: String,
    seedPath: String
  ) throws -> String {
    var text = """
      # vms configuration made by `vms import-seed` from \(seedPath) (the original Mon VMS Web).
      # Check it with `vms check-config --config THIS_FILE`. Durations: 5s, 10m, 1h; sizes: 500MB, 2GB.
      # Relative paths resolve against this file's folder.
      server:
        listen: "127.0.0.1:8080"
        data_dir: \(ConfigEditor.quoted(dataDirectory))

      storage:
        retention_days: \(retentionDays ?? 14)          # \(retentionDays == nil ? "not in settings.json: our default" : "from settings.json"); 0 = keep forever
        max_bytes: 0
        min_free_bytes: 2GB

      cameras: {}

      """
    for (id, camera) in cameras {
      text = try ConfigEditor.settingCamera(id, to: fields(of: camera), in: text)
    }
    return text
  }

  /// `text` with the cameras whose id it does not have yet appended.
  public static func adding(
    cameras: [(id: String, camera: SeedCamera)], existing: Set<String>, to text: String
  ) throws -> String {
    var text = text
    for (id, camera) in cameras where !existing.contains(id) {
      text = try ConfigEditor.settingCamera(id, to: fields(of: camera), in: text)
    }
    return text
  }
}
