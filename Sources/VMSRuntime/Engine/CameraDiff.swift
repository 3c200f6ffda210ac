// What applying a configuration does to the running cameras, decided before anything moves: a
// pure function of the settings running and the settings wanted, so the rule "touch only what
// changed" is tested without a camera. The Supervisor carries it out.
import VMSConfig

struct CameraDiff: Equatable {
  /// Cameras no longer configured: stopped (their clip finalised), their footage kept.
  var removed: [String] = []
  /// Cameras whose inputs must be reopened (a URL, the transport or `enabled` changed): stopped,
  /// then started with `settings`.
  var restarted: [CameraSettings] = []
  /// Cameras changed in ways applied in place (name, detector, recording, live, retention): the
  /// inputs stay connected and the open clip goes on.
  var updated: [CameraSettings] = []
  /// Cameras not running yet.
  var added: [CameraSettings] = []

  var isEmpty: Bool { removed.isEmpty && restarted.isEmpty && updated.isEmpty && added.isEmpty }

  /// `running`: the settings of the cameras running now. `wanted`: the new configuration's cameras
  /// in file order; a repeated id keeps its first entry (the decoder reports the repeat). Every
  /// list is in a stable order: removed by id, the others in file order.
  init(running: [String: CameraSettings], wanted: [CameraSettings]) {
    var seen: Set<String> = []
    for settings in wanted where seen.insert(settings.id).inserted {
      guard let old = running[settings.id] else {
        added.append(settings)
        continue
      }
      if old == settings { continue }
      if Camera.needsReconnect(from: old, to: settings) {
        restarted.append(settings)
      } else {
        updated.append(settings)
      }
    }
    removed = running.keys.filter { !seen.contains($0) }.sorted()
  }

  /// For the log: "yard removed", "door restarted", "gate started" (the caller sorts them).
  var summary: [String] {
    removed.map { "\($0) removed" } + restarted.map { "\($0.id) restarted" }
      + updated.map { "\($0.id) updated in place" }
      + added.map { "\($0.id) \($0.enabled ? "started" : "added (disabled)")" }
  }
}
