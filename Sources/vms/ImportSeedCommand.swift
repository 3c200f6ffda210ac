// `vms import-seed PATH [--config OUT.yaml] [--data-dir DIR]`: moves a user of the original program
// (Mon VMS Web) over: its cameras and settings into our YAML, its clips, thumbnails and archive
// comments into our data directory and index. The logic is in the SeedImport module.
import ArgumentParser
import Foundation
import Logging
import SeedImport
import VMSMedia
import VMSRuntime

struct ImportSeedCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "import-seed",
    abstract: "Import the cameras, settings, recordings and archives of the original Mon VMS Web.",
    discussion: """
      PATH is the original program's folder. Read from it (never changed):
        cameras.json   a list of cameras, a map of name to camera, or {"cameras": ...}. Per camera: \
      name (or nom/id/the map key), url (or rtsp_url/source/stream_url/record_url), optional \
      detect_url/sub_url, enabled/active (default true), sensitivity, min_record_time (or \
      min_recording_time/min_duration/duree_min, seconds), retention_days. Other keys are ignored.
        settings.json  retention_days (or retention/jours_retention); other keys are ignored.
        recordings/, archives/   MP4 clips, by camera folder (recordings/NAME/...) or with the \
      camera name as the file name's prefix; the start time is read from the path (YYYY-MM-DD or \
      YYYYMMDD, then HH-MM-SS, HH_MM_SS or HHMMSS), else the file's time minus its duration.
        thumbnails/    JPEGs with the same relative path or file name as their clip.
        archives/**/.meta.json   archive comments: a map of file name to comment (or to \
      {"comment": ...}); sidecars CLIP.meta.json are read too.

      Camera ids come from names (lowercase ASCII, "-" between words: "Entrée" -> "entree"). \
      sensitivity 0-100 becomes detector.min_area_percent (100 -> 0.05 %, 90 -> 0.5 %, 50 -> 2.5 %, \
      0 -> 5 %); a value above 100 is read as a minimum contour area in pixels of 640x480. \
      The minimum recording time becomes recording.min_duration; retention_days goes to storage.

      When --config names an existing file, cameras it does not have are added and nothing else \
      changes; otherwise a new file is written with data_dir --data-dir. Clips are copied into \
      that data directory (archives stay archived). Running the command again imports nothing \
      twice. Stop vms serve on that data directory first. Note that retention applies at the next \
      start: recordings older than retention_days will then be deleted (archives never are).
      """)

  @Argument(help: "Folder of the original program (with cameras.json, recordings/, archives/).")
  var path: String

  @Option(name: .long, help: "Configuration file to write or to add the cameras to.")
  var config: String = "config/vms.yaml"

  @Option(name: .long, help: "data_dir of a new configuration file (default: data, beside it).")
  var dataDir: String?

  func run() throws {
    var log = Logger(label: "vms.import-seed")
    log.logLevel = .warning
    FFmpegLog.showErrorsOnly()
    let summary: SeedImportSummary
    do {
      summary = try SeedImport.run(
        seedPath: path, configPath: config, dataDirectory: dataDir,
        detectorOptionKeys: detectorRegistry.optionKeysByType, log: log)
    } catch {
      printError("import-seed: \(error)")
      throw ExitCode(1)
    }
    for warning in summary.warnings { printError("warning: \(warning)") }
    let state = summary.configCreated ? "written" : summary.configChanged ? "updated" : "unchanged"
    print(
      "\(config): \(state), \(summary.camerasAdded.count) camera(s) added, \(summary.camerasKept.count) already there"
    )
    for camera in summary.camerasAdded { print("  + \(camera.id) (\(camera.name))") }
    let media = summary.media
    print(
      "\(summary.dataDirectory): \(media.imported) clip(s) imported (\(media.archived) archived, \(media.comments) comment(s), \(media.thumbnails) thumbnail(s)), \(media.alreadyImported) already imported, \(media.skipped.count) skipped"
    )
    for line in media.skipped { print("  skipped \(line)") }
    if media.olderThanRetention > 0 {
      print(
        "  note: \(media.olderThanRetention) imported recording(s) are older than their retention_days and will be deleted when vms serve starts; raise retention_days (0 = forever) or archive them first if you want to keep them"
      )
    }
    if !media.skipped.isEmpty { throw ExitCode(1) }
  }
}
