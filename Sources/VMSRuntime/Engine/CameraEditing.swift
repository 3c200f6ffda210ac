// Camera management (add, edit, delete from the UI or the API) as edits of the YAML file: the file
// stays the one source of truth, and an edit goes through the same validation and per-camera diff
// as a hand edit.
//
// Each edit: read the file, refuse it (conflict) when the file is not the version the client loaded
// (a hand edit must never be overwritten silently), work out which of the form's values differ from
// the settings in force, write only those keys in that camera's block (every other line, comment and
// key stays as written; a key left out keeps following its default, such as
// storage.retention_days), validate the whole result, replace the file atomically, then apply it.
// Edits are serialised by this actor.
import Detectors
import Foundation
import VMSConfig

/// One reason an edit was refused, with the key of the camera's block it concerns, so a form can
/// show it next to its field.
public struct CameraEditProblem: Sendable, Equatable, CustomStringConvertible {
  /// The key below the camera (`name`, `recording.pre_roll`), `id` for the camera id itself, nil
  /// when the problem concerns no single key.
  public var key: String?
  /// What is wrong and what to write instead, without the key path.
  public var message: String

  public init(key: String?, message: String) {
    self.key = key
    self.message = message
  }

  /// A problem the configuration loader found in the edited file.
  init(_ problem: ConfigProblem, camera id: String) {
    let camera = "cameras.\(id)"
    switch problem.key {
    case camera?: key = "id"
    case let full? where full.hasPrefix(camera + "."):
      key = String(full.dropFirst(camera.count + 1))
    default: key = nil
    }
    let text = key == nil ? problem.message : problem.detail
    message = problem.hint.map { "\(text) (\($0))" } ?? text
  }

  public var description: String { key.map { "\($0): \(message)" } ?? message }
}

public enum CameraEditError: Error, Sendable, Equatable, CustomStringConvertible {
  case conflict(String)
  case invalid([CameraEditProblem])
  case notFound(String)
  case alreadyExists(String)
  case failed(String)

  public var description: String {
    switch self {
    case .conflict(let m), .notFound(let m), .alreadyExists(let m), .failed(let m): return m
    case .invalid(let problems): return problems.map(\.description).joined(separator: "\n")
    }
  }
}

public actor CameraEditing {
  /// Reading, writing and fsyncing the file block: they run on this actor's own thread, never on
  /// the cooperative pool the web server's requests share.
  nonisolated let executor = ThreadExecutor(name: "config-edits")
  public nonisolated var unownedExecutor: UnownedSerialExecutor {
    executor.asUnownedSerialExecutor()
  }
  private let path: String
  private let supervisor: Supervisor
  private let registry: DetectorRegistry

  public init(path: String, supervisor: Supervisor, registry: DetectorRegistry) {
    self.path = path
    self.supervisor = supervisor
    self.registry = registry
  }

  /// Hash of the configuration file as it is on disk now: clients send it back with an edit.
  public func currentHash() -> String? {
    ConfigFile.read(path).map(ConfigFile.hash)
  }

  /// Adds camera `id` (`isNew`) or edits it. Returns the new file's hash.
  public func save(id: String, form: CameraForm, isNew: Bool, expectedHash: String?)
    async throws(CameraEditError)
    -> String
  {
    let text = try readChecked(expectedHash)
    let current = try parse(text)
    let existing = current.camera(id: id)
    if isNew, existing != nil {
      throw .alreadyExists("a camera \(id) already exists: edit it, or pick another id")
    }
    if !isNew, existing == nil {
      throw .notFound("camera \(id) is not in \(path): it was removed (reload the page)")
    }
    // A new camera starts from the defaults: only what the form sets apart from them is written
    // (an invalid id is written too, quoted, so its problem is reported with all the others).
    let base =
      existing
      ?? CameraSettings(
        id: id, name: id, recordURL: "", retentionDays: current.storage.retentionDays)
    let edits = Self.edits(from: form, against: base)
    let edited: String
    do {
      edited =
        isNew
        ? try ConfigEditor.addingCamera(id, edits, in: text)
        : try ConfigEditor.editingCamera(id, edits, in: text)
    } catch {
      throw .failed(error.description)
    }
    return try await commit(edited, replacing: text, camera: id)
  }

  /// Removes camera `id` from the file. Its footage stays (browsable, purged by retention).
  public func remove(id: String, expectedHash: String?) async throws(CameraEditError) -> String {
    let text = try readChecked(expectedHash)
    guard try parse(text).camera(id: id) != nil else {
      throw .notFound("camera \(id) is not in \(path)")
    }
    let edited: String
    do {
      edited = try ConfigEditor.removingCamera(id, from: text)
    } catch {
      throw .failed(error.description)
    }
    return try await commit(edited, replacing: text, camera: id)
  }

  private func readChecked(_ expectedHash: String?) throws(CameraEditError) -> String {
    guard let text = ConfigFile.read(path) else {
      throw .failed("cannot read \(path): check that it exists and is readable")
    }
    if let expectedHash, expectedHash != ConfigFile.hash(text) {
      throw .conflict(
        "\(path) changed since you loaded it (edited by hand or from another window): reload the page, then make your change again"
      )
    }
    return text
  }

  private func parse(_ text: String) throws(CameraEditError) -> VMSConfiguration {
    do {
      return try ConfigLoader.parse(text: text, path: path, detectors: registry)
    } catch {
      throw .conflict(
        "\(path) has problems (\(error.problems.first?.description ?? "invalid")): fix the file by hand first"
      )
    }
  }

  private func commit(_ edited: String, replacing original: String, camera id: String)
    async throws(CameraEditError)
    -> String
  {
    // Nothing differs from the settings in force: the file is left alone.
    if edited == original { return ConfigFile.hash(original) }
    do {
      _ = try ConfigLoader.parse(text: edited, path: path, detectors: registry)
    } catch {
      throw .invalid(error.problems.map { CameraEditProblem($0, camera: id) })
    }
    do {
      try ConfigFile.write(edited, to: path)
    } catch {
      throw .failed("\(error)")
    }
    await supervisor.reload(text: edited, path: path)
    return ConfigFile.hash(edited)
  }

  // MARK: What the form changes

  /// The keys to write: each value of the form that differs from `base` (the settings in force),
  /// in the file's usual key order. A value equal to the one in force is not written, whether it
  /// was written or came from a default. `***` in a URL's password stands for the stored password.
  static func edits(from form: CameraForm, against base: CameraSettings) -> [CameraKeyEdit] {
    var edits: [CameraKeyEdit] = []
    func set(_ path: String..., to value: YAMLValue) { edits.append(.set(path, value)) }
    func duration(_ seconds: Double) -> YAMLValue { .word(ConfigDuration.text(seconds: seconds)) }

    if let name = form.name, name != base.name { set("name", to: .string(name)) }
    if let enabled = form.enabled, enabled != base.enabled { set("enabled", to: .bool(enabled)) }
    // An empty URL on a new camera is no URL: the check then says record_url is missing.
    if let url = form.recordURL, !(url.isEmpty && base.recordURL.isEmpty) {
      let restored = restoringPassword(url, from: base.recordURL.isEmpty ? nil : base.recordURL)
      if restored != base.recordURL { set("record_url", to: .string(restored)) }
    }
    switch form.detectURL {
    case nil: break
    case ""?: if base.detectURL != nil { edits.append(.remove(["detect_url"])) }
    case let url?:
      let restored = restoringPassword(url, from: base.detectURL ?? base.recordURL)
      if restored != base.detectURL { set("detect_url", to: .string(restored)) }
    }
    if let transport = form.rtspTransport, transport != base.rtspTransport.rawValue {
      set("rtsp_transport", to: .word(transport))
    }

    let d = form.detector
    if let type = d.type, type != base.detector.type {
      set("detector", "type", to: .word(type))
      // Options belong to a type: those of the old one would be refused under the new one.
      for key in base.detector.options.keys.sorted() { edits.append(.remove(["detector", key])) }
    }
    if let fps = d.fps, fps != base.detector.fps { set("detector", "fps", to: .number(fps)) }
    if let area = d.minAreaPercent, area != base.detector.minAreaPercent {
      set("detector", "min_area_percent", to: .number(area))
    }
    if let warmup = d.warmupSeconds, warmup != base.detector.warmupSeconds {
      set("detector", "warmup", to: duration(warmup))
    }
    if let decode = d.decode, decode != base.detector.decode.rawValue {
      set("detector", "decode", to: .word(decode))
    }

    let r = form.recording
    let b = base.recording
    if let enabled = r.enabled, enabled != b.enabled {
      set("recording", "enabled", to: .bool(enabled))
    }
    if let mode = r.mode, mode != b.mode.rawValue { set("recording", "mode", to: .word(mode)) }
    if let s = r.segmentSeconds, s != b.segmentSeconds {
      set("recording", "segment", to: duration(s))
    }
    if let s = r.preRollSeconds, s != b.preRollSeconds {
      set("recording", "pre_roll", to: duration(s))
    }
    if let s = r.postRollSeconds, s != b.postRollSeconds {
      set("recording", "post_roll", to: duration(s))
    }
    if let s = r.minDurationSeconds, s != b.minDurationSeconds {
      set("recording", "min_duration", to: duration(s))
    }
    if let s = r.maxDurationSeconds, s != b.maxDurationSeconds {
      set("recording", "max_duration", to: duration(s))
    }

    if form.retentionDaysToDefault {
      edits.append(.remove(["retention_days"]))
    } else if let days = form.retentionDays, days != base.retentionDays {
      set("retention_days", to: .integer(days))
    }

    let l = form.live
    if let fps = l.fps, fps != base.live.fps { set("live", "fps", to: .number(fps)) }
    if let width = l.width, width != base.live.width { set("live", "width", to: .integer(width)) }
    if let show = l.showDetection, show != base.live.showDetection {
      set("live", "show_detection", to: .bool(show))
    }
    return edits
  }

  /// A URL from a form where `***` stands for a secret the server never sent to the browser.
  static func restoringPassword(_ url: String, from stored: String?) -> String {
    guard let stored else { return url }
    return VMSConfig.restoringPassword(url, from: stored)
  }
}
