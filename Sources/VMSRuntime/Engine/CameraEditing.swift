// Camera management (add, edit, delete from the UI or the API) as edits of the YAML file: the file
// stays the one source of truth, and an edit goes through the same validation and per-camera diff
// as a hand edit.
//
// Each edit: read the file, refuse it (conflict) when the file is not the version the client loaded
// (a hand edit must never be overwritten silently), rewrite only that camera's block, validate the
// whole result, replace the file atomically, then apply it. Edits are serialised by this actor.
import Detectors
import Foundation
import VMSConfig

public enum CameraEditError: Error, Sendable, Equatable, CustomStringConvertible {
  case conflict(String)
  case invalid([String])
  case notFound(String)
  case alreadyExists(String)
  case failed(String)

  public var description: String {
    switch self {
    case .conflict(let m), .notFound(let m), .alreadyExists(let m), .failed(let m): return m
    case .invalid(let problems): return problems.joined(separator: "\n")
    }
  }
}

public actor CameraEditing {
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
  public func save(id: String, form: CameraForm, isNew: Bool, expectedHash: String?) async throws(CameraEditError)
    -> String
  {
    let text = try readChecked(expectedHash)
    let current = try parse(text)
    let existing = current.camera(id: id)
    if isNew {
      guard CameraSettings.isValidID(id) else {
        throw .invalid(["camera id \"\(id)\": use 1 to 64 of a-z, 0-9, _ and -, e.g. front-door"])
      }
      if existing != nil { throw .alreadyExists("a camera \(id) already exists: edit it, or pick another id") }
      guard form.recordURL?.isEmpty == false else { throw .invalid(["record_url is required for a new camera"]) }
    } else if existing == nil {
      throw .notFound("camera \(id) is not in \(path): it was removed (reload the page)")
    }
    let base =
      existing
      ?? CameraSettings(id: id, name: id, recordURL: "", retentionDays: current.storage.retentionDays)
    let fields = Self.fields(merging: form, into: base, writtenIn: text, id: id)
    let edited: String
    do {
      edited = try ConfigEditor.settingCamera(id, to: fields, in: text)
    } catch {
      throw .failed(error.description)
    }
    return try await commit(edited)
  }

  /// Removes camera `id` from the file. Its footage stays (browsable, purged by retention).
  public func remove(id: String, expectedHash: String?) async throws(CameraEditError) -> String {
    let text = try readChecked(expectedHash)
    guard try parse(text).camera(id: id) != nil else { throw .notFound("camera \(id) is not in \(path)") }
    let edited: String
    do {
      edited = try ConfigEditor.removingCamera(id, from: text)
    } catch {
      throw .failed(error.description)
    }
    return try await commit(edited)
  }

  private func readChecked(_ expectedHash: String?) throws(CameraEditError) -> String {
    guard let text = ConfigFile.read(path) else { throw .failed("cannot read \(path): check that it exists and is readable") }
    if let expectedHash, expectedHash != ConfigFile.hash(text) {
      throw .conflict(
        "\(path) changed since you loaded it (edited by hand or from another window): reload the page, then make your change again")
    }
    return text
  }

  private func parse(_ text: String) throws(CameraEditError) -> VMSConfiguration {
    do {
      return try ConfigLoader.parse(text: text, path: path, detectors: registry)
    } catch {
      throw .conflict(
        "\(path) has problems (\(error.problems.first?.description ?? "invalid")): fix the file by hand first")
    }
  }

  private func commit(_ edited: String) async throws(CameraEditError) -> String {
    do {
      _ = try ConfigLoader.parse(text: edited, path: path, detectors: registry)
    } catch {
      throw .invalid(error.problems.map { "\($0.message)\($0.hint.map { " (\($0))" } ?? "")" })
    }
    do {
      try ConfigFile.write(edited, to: path)
    } catch {
      throw .failed("\(error)")
    }
    await supervisor.reload(text: edited, path: path)
    return ConfigFile.hash(edited)
  }

  // MARK: Building the YAML block

  /// The camera's full block: the existing settings with the form's fields on top. URLs the form
  /// left unchanged are written as the user wrote them (a relative file path stays relative), and
  /// `***` in a URL's password is replaced by the stored password.
  static func fields(merging form: CameraForm, into base: CameraSettings, writtenIn text: String, id: String)
    -> [(String, YAMLValue)]
  {
    var fields: [(String, YAMLValue)] = []
    fields.append(("name", .string(form.name ?? base.name)))
    fields.append(("enabled", .bool(form.enabled ?? base.enabled)))

    let recordURL = form.recordURL.map { restoringPassword($0, from: base.recordURL) } ?? base.recordURL
    fields.append(("record_url", .string(written(recordURL, resolved: base.recordURL, key: "record_url", id: id, text: text))))
    let detectURL: String? =
      switch form.detectURL {
      case nil: base.detectURL
      case ""?: nil
      case let url?: restoringPassword(url, from: base.detectURL ?? base.recordURL)
      }
    if let detectURL {
      fields.append(
        ("detect_url", .string(written(detectURL, resolved: base.detectURL, key: "detect_url", id: id, text: text))))
    }
    let transport = form.rtspTransport ?? base.rtspTransport.rawValue
    if transport != RTSPTransport.tcp.rawValue { fields.append(("rtsp_transport", .string(transport))) }

    var detector: [(String, YAMLValue)] = [
      ("type", .string(form.detector.type ?? base.detector.type)),
      ("fps", .number(form.detector.fps ?? base.detector.fps)),
      ("min_area_percent", .number(form.detector.minAreaPercent ?? base.detector.minAreaPercent)),
      ("warmup", .string(ConfigDuration.text(seconds: form.detector.warmupSeconds ?? base.detector.warmupSeconds))),
    ]
    // Detector-specific options survive an edit that keeps the type.
    if (form.detector.type ?? base.detector.type) == base.detector.type {
      for key in base.detector.options.keys.sorted() { detector.append((key, .number(base.detector.options[key]!))) }
    }
    fields.append(("detector", .mapping(detector)))

    let r = form.recording
    let b = base.recording
    fields.append(
      (
        "recording",
        .mapping([
          ("enabled", .bool(r.enabled ?? b.enabled)),
          ("pre_roll", .string(ConfigDuration.text(seconds: r.preRollSeconds ?? b.preRollSeconds))),
          ("post_roll", .string(ConfigDuration.text(seconds: r.postRollSeconds ?? b.postRollSeconds))),
          ("min_duration", .string(ConfigDuration.text(seconds: r.minDurationSeconds ?? b.minDurationSeconds))),
          ("max_duration", .string(ConfigDuration.text(seconds: r.maxDurationSeconds ?? b.maxDurationSeconds))),
        ])
      ))
    fields.append(("retention_days", .integer(form.retentionDays ?? base.retentionDays)))
    fields.append(
      (
        "live",
        .mapping([
          ("fps", .number(form.live.fps ?? base.live.fps)),
          ("width", .integer(form.live.width ?? base.live.width)),
          ("show_detection", .bool(form.live.showDetection ?? base.live.showDetection)),
        ])
      ))
    return fields
  }

  /// The text to write for a URL: as the user wrote it when it is the same URL as before.
  private static func written(_ url: String, resolved: String?, key: String, id: String, text: String) -> String {
    guard url == resolved, let raw = ConfigEditor.writtenScalar(camera: id, path: [key], in: text) else { return url }
    return raw
  }

  /// A URL from a form where `***` stands for a secret the server never sent to the browser.
  static func restoringPassword(_ url: String, from stored: String?) -> String {
    guard let stored else { return url }
    return VMSConfig.restoringPassword(url, from: stored)
  }
}
