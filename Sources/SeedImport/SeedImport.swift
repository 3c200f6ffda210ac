// `vms import-seed`: moves a user of the original program over. Cameras and settings become our
// YAML (new file, or camera blocks added to an existing one), then the clips are imported into the
// data directory that configuration names. See SeedSettings, SeedConfigWriter, SeedMediaImport.
import Foundation
import Logging
import Storage
import VMSConfig

public struct SeedImportSummary: Sendable {
  /// (id, name) of cameras added to the configuration, and of those it already had.
  public var camerasAdded: [(id: String, name: String)] = []
  public var camerasKept: [(id: String, name: String)] = []
  public var configCreated = false
  /// False when the configuration already had every camera (nothing written).
  public var configChanged = false
  public var dataDirectory = ""
  public var warnings: [String] = []
  public var media = SeedImportReport()
}

public enum SeedImport {
  /// Runs the whole import. `dataDirectory` is only used when `configPath` does not exist yet
  /// (written as given, relative paths resolving against the configuration's folder).
  public static func run(
    seedPath: String, configPath: String, dataDirectory: String?,
    detectorOptionKeys: [String: Set<String>], log: Logger
  ) throws -> SeedImportSummary {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: seedPath, isDirectory: &isDirectory),
      isDirectory.boolValue
    else {
      throw SeedImportError(
        "\(seedPath) is not a folder: give the folder of the original program (the one with cameras.json, recordings/, archives/)"
      )
    }
    let seed = try SeedSettings.read(root: seedPath)
    var summary = SeedImportSummary()
    summary.warnings = seed.warnings

    // The configuration: existing (cameras added) or new.
    // An existing file with no settings at all (empty, or only comments) is written anew: the
    // configuration refuses an empty file, and there is nothing in it to keep.
    let existingText =
      (FileManager.default.fileExists(atPath: configPath) ? ConfigFile.read(configPath) : nil)
      .flatMap { text in ConfigLoader.isEmpty(text: text) ? nil : text }
    var existingCameras: [CameraSettings] = []
    if let existingText {
      do {
        existingCameras = try ConfigLoader.parse(
          text: existingText, path: configPath, detectorOptionKeys: detectorOptionKeys
        ).cameras
      } catch {
        throw SeedImportError(
          "\(configPath) has problems; fix them first (vms check-config --config \(configPath)):\n\(error)"
        )
      }
    }
    var taken = Set(existingCameras.map(\.id))
    var mapped: [(id: String, camera: SeedCamera)] = []
    for camera in seed.cameras {
      if let same = existingCameras.first(where: { $0.name == camera.name }) {
        summary.camerasKept.append((same.id, camera.name))
        continue
      }
      let id = SeedCameraId.unique(camera.name, taken: taken)
      taken.insert(id)
      mapped.append((id, camera))
      summary.camerasAdded.append((id, camera.name))
    }
    let text: String
    do {
      if let existingText {
        text = try SeedConfigWriter.adding(
          cameras: mapped, existing: Set(existingCameras.map(\.id)), to: existingText)
      } else {
        text = try SeedConfigWriter.newFile(
          cameras: mapped, retentionDays: seed.retentionDays,
          dataDirectory: dataDirectory ?? "data",
          seedPath: seedPath)
        summary.configCreated = true
      }
    } catch {
      throw SeedImportError("cannot write the camera blocks into \(configPath): \(error)")
    }
    let configuration: VMSConfiguration
    do {
      configuration = try ConfigLoader.parse(
        text: text, path: configPath, detectorOptionKeys: detectorOptionKeys)
    } catch {
      throw SeedImportError(
        "the converted configuration is not valid, nothing was written (report this with the cameras.json):\n\(error)"
      )
    }
    // The data directory that configuration names, locked before anything is written: a running
    // server would otherwise hot-reload half an import.
    let data = configuration.server.dataDirectory
    summary.dataDirectory = data
    guard let lock = try DataDirectoryLock.acquire(dataDirectory: data) else {
      throw SeedImportError(
        "vms serve is running on \(data): stop it, run import-seed, then start it again")
    }
    defer { withExtendedLifetime(lock) {} }
    let index: ClipIndex
    do {
      index = try ClipIndex.open(dataDirectory: data)
    } catch {
      throw SeedImportError("cannot open the data directory \(data): \(error)")
    }
    defer { try? index.close() }
    if existingText != text {
      summary.configChanged = true
      let folder = (URL(fileURLWithPath: configPath).standardizedFileURL.path as NSString)
        .deletingLastPathComponent
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
      try ConfigFile.write(text, to: configPath)
    }

    // Folder names of the original are its camera names.
    let byName = Dictionary(
      (seed.cameras.map(\.name).compactMap { name in
        (summary.camerasAdded + summary.camerasKept).first(where: { $0.name == name }).map {
          (name, $0.id)
        }
      }) + configuration.cameras.map { ($0.name, $0.id) },
      uniquingKeysWith: { first, _ in first })
    let bySlug = Dictionary(
      byName.map { (SeedCameraId.slug($0.key), $0.value) }, uniquingKeysWith: { first, _ in first })
    let cameraId: (String) -> String = { folder in
      byName[folder] ?? bySlug[SeedCameraId.slug(folder)] ?? SeedCameraId.slug(folder)
    }
    let retention = Dictionary(
      configuration.cameras.map { ($0.id, $0.retentionDays) },
      uniquingKeysWith: { first, _ in first })
    let media = SeedMediaImport(
      seedRoot: seedPath, index: index, cameraIdForName: cameraId, log: log)
    summary.media = try media.run(retentionDaysFor: {
      retention[$0] ?? configuration.storage.retentionDays
    })
    return summary
  }
}
