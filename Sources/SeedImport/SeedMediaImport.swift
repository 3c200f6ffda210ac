// Copies the original program's clips into our data directory and index: `recordings/` as
// recordings, `archives/` as archived clips (retention never takes them) with their comments, and
// the matching JPEG of `thumbnails/` beside each. The seed folder is only read, never changed.
//
// Each video is copied under a temporary name, renamed to the name `DataLayout` gives its camera
// and start time, then adopted into the index with its probed duration (`ClipIndex.adoptClip`),
// so a crash at any point leaves at worst a playable video without a row, which the start-up check
// adopts. Idempotent: a ledger in the data directory (`import-seed.json`) remembers every source
// file imported, and a clip already in the index with the same camera, start and size is not
// imported again even without the ledger.
import Foundation
import Logging
import Storage
import Timekeeping
import VMSConfig
import VMSMedia

public struct SeedImportReport: Sendable {
  public var imported = 0
  public var archived = 0
  public var comments = 0
  public var thumbnails = 0
  public var alreadyImported = 0
  public var skipped: [String] = []
  /// Imported recordings older than their camera's retention (the janitor will delete them).
  public var olderThanRetention = 0
}

public struct SeedMediaImport {
  let seedRoot: String
  let index: ClipIndex
  /// Camera id for a folder or name prefix as the original wrote it (its camera names).
  let cameraIdForName: (String) -> String
  let log: Logger

  public init(
    seedRoot: String, index: ClipIndex, cameraIdForName: @escaping (String) -> String, log: Logger
  ) {
    self.seedRoot = seedRoot
    self.index = index
    self.cameraIdForName = cameraIdForName
    self.log = log
  }

  public static let ledgerFileName = "import-seed.json"

  public func run(retentionDaysFor: (String) -> Int) throws -> SeedImportReport {
    var report = SeedImportReport()
    var ledger = Ledger(path: index.dataDirectory + "/" + Self.ledgerFileName)
    let thumbnails = ThumbnailFinder(root: seedRoot + "/thumbnails")
    var comments = SeedComments(root: seedRoot + "/archives")
    let nowMs = WallTime.now().sinceEpochMs
    for tree in [ClipTree.recordings, .archives] {
      let treeRoot = seedRoot + "/" + tree.rawValue
      for relative in Self.videos(under: treeRoot) {
        let source = treeRoot + "/" + relative
        let key = URL(fileURLWithPath: source).resolvingSymlinksInPath().path
        if ledger.contains(key) {
          report.alreadyImported += 1
          continue
        }
        do {
          let comment = tree == .archives ? comments.comment(forVideo: relative) : nil
          let outcome = try importOne(
            source: source, relative: relative, tree: tree,
            thumbnail: thumbnails.find(forVideo: relative), comment: comment)
          switch outcome {
          case .already(let file):
            report.alreadyImported += 1
            ledger.add(key, file)
          case .imported(let clip, let withThumbnail, let withComment):
            report.imported += 1
            if clip.archived { report.archived += 1 }
            if withThumbnail { report.thumbnails += 1 }
            if withComment { report.comments += 1 }
            let days = retentionDaysFor(clip.cameraId)
            if !clip.archived, days > 0, clip.startMs < nowMs - Int64(days) * 86_400_000 {
              report.olderThanRetention += 1
            }
            ledger.add(key, clip.file)
          }
          try ledger.save()
        } catch {
          report.skipped.append("\(tree.rawValue)/\(relative): \(error)")
          log.warning("import-seed: skipped \(tree.rawValue)/\(relative): \(error)")
        }
      }
    }
    return report
  }

  enum Outcome {
    case already(String)
    case imported(ClipRecord, thumbnail: Bool, comment: Bool)
  }

  private func importOne(
    source: String, relative: String, tree: ClipTree, thumbnail: String?, comment: String?
  ) throws -> Outcome {
    let probe: ProbeResult
    do {
      probe = try MediaProbe.probe(path: source)
    } catch {
      throw SeedImportError("not a playable video (\(error))")
    }
    let durationMs = Milliseconds.of(seconds: probe.durationSeconds)
    let size = try Self.fileSize(source)
    let components = relative.split(separator: "/").map(String.init)
    // The camera: the first folder under recordings/ or archives/, else the file name's prefix.
    let cameraName: String
    if components.count > 1 {
      cameraName = components[0]
    } else {
      let stem = (components[0] as NSString).deletingPathExtension
      let prefix = stem.prefix { !$0.isNumber }.trimmingCharacters(
        in: CharacterSet(charactersIn: "_- "))
      guard !prefix.isEmpty else {
        throw SeedImportError("no camera folder nor camera name in the file name")
      }
      cameraName = prefix
    }
    let cameraId = cameraIdForName(cameraName)
    let fallbackStartMs = try Self.modificationMs(source) - durationMs
    let startMs =
      SeedClipName.startMs(of: relative, timeZone: index.layout.timeZone) ?? fallbackStartMs

    // Already there (a previous run that stopped before its ledger was written)?
    let day = index.layout.localDay(ofMs: startMs)
    if let existing = try index.clips(cameraId: cameraId, day: day).first(where: {
      $0.startMs == startMs && $0.sizeBytes == size
    }) {
      return .already(existing.file)
    }

    let file = try freeName(tree: tree, cameraId: cameraId, startMs: startMs)
    let target = try index.absolutePath(of: file)
    let folder = (target as NSString).deletingLastPathComponent
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    var withThumbnail = false
    if let thumbnail {
      let jpeg = try index.absolutePath(of: DataLayout.thumbnailRelativePath(ofClip: file))
      try Self.copy(thumbnail, to: jpeg)
      withThumbnail = true
    }
    try Self.copy(source, to: target)
    var clip = try index.adoptClip(file: file, durationMs: durationMs, sizeBytes: size)
    var withComment = false
    if let comment, !comment.isEmpty {
      clip = try index.setComment(
        id: clip.id, comment: String(comment.prefix(ClipIndex.maxCommentLength)))
      withComment = true
    }
    return .imported(clip, thumbnail: withThumbnail, comment: withComment)
  }

  /// The camera's name for that second, in the wanted tree, with no file in either tree.
  private func freeName(tree: ClipTree, cameraId: String, startMs: Int64) throws -> String {
    for sequence in 0..<1000 {
      let file = try index.layout.clipRelativePath(
        in: tree, cameraId: cameraId, startMs: startMs, sequence: sequence)
      let other = try index.layout.relativePath(
        file, movedTo: tree == .recordings ? .archives : .recordings)
      let taken = try [file, other].contains { candidate in
        try [candidate, DataLayout.thumbnailRelativePath(ofClip: candidate)].contains {
          FileManager.default.fileExists(atPath: try index.absolutePath(of: $0))
        }
      }
      if !taken { return file }
    }
    throw SeedImportError("more than 1000 clips of \(cameraId) start in the same second")
  }

  /// Copies through a hidden temporary name and renames, so the target name only ever holds a
  /// complete file.
  static func copy(_ source: String, to target: String) throws {
    let folder = (target as NSString).deletingLastPathComponent
    let temporary = folder + "/.import-\(UUID().uuidString).tmp"
    do {
      try FileManager.default.copyItem(atPath: source, toPath: temporary)
      let fd = open(temporary, O_RDONLY)
      if fd >= 0 {
        fsync(fd)
        close(fd)
      }
      guard rename(temporary, target) == 0 else {
        throw SeedImportError("cannot rename into \(target): \(String(cString: strerror(errno)))")
      }
    } catch {
      unlink(temporary)
      throw error
    }
  }

  static func fileSize(_ path: String) throws -> Int64 {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return (attributes[.size] as? NSNumber)?.int64Value ?? 0
  }

  static func modificationMs(_ path: String) throws -> Int64 {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    let date = attributes[.modificationDate] as? Date ?? Date()
    return WallTime(date).sinceEpochMs
  }

  /// `.mp4` files below `root` (relative paths, sorted), hidden ones skipped.
  static func videos(under root: String) -> [String] {
    guard let enumerator = FileManager.default.enumerator(atPath: root) else { return [] }
    var found: [String] = []
    for case let relative as String in enumerator {
      let name = (relative as NSString).lastPathComponent
      if name.hasPrefix(".") { continue }
      if name.lowercased().hasSuffix(".mp4") { found.append(relative) }
    }
    return found.sorted()
  }
}

/// JPEGs of the seed's `thumbnails/`, matched to a video by the same relative path, else by the
/// same file name (stem) anywhere below: the original kept them apart from the videos.
struct ThumbnailFinder {
  private var byPath: [String: String] = [:]
  private var byStem: [String: [String]] = [:]

  init(root: String) {
    guard let enumerator = FileManager.default.enumerator(atPath: root) else { return }
    for case let relative as String in enumerator {
      let lower = relative.lowercased()
      guard lower.hasSuffix(".jpg") || lower.hasSuffix(".jpeg") else { continue }
      let stemPath = (relative as NSString).deletingPathExtension
      byPath[stemPath] = root + "/" + relative
      byStem[(stemPath as NSString).lastPathComponent, default: []].append(root + "/" + relative)
    }
  }

  func find(forVideo relative: String) -> String? {
    let stemPath = (relative as NSString).deletingPathExtension
    if let exact = byPath[stemPath] { return exact }
    let stem = (stemPath as NSString).lastPathComponent
    // Flat thumbnails/ named after the video, or `<video>_thumb.jpg`; only when unambiguous.
    for candidate in [stem, stem + "_thumb", "thumb_" + stem] {
      if let found = byStem[candidate], found.count == 1 { return found[0] }
    }
    return nil
  }
}

/// Source files already imported (resolved absolute path -> our clip file), in the data directory.
struct Ledger {
  let path: String
  private var entries: [String: String] = [:]

  init(path: String) {
    self.path = path
    if let data = FileManager.default.contents(atPath: path),
      let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
      let imported = object["imported"] as? [String: String]
    {
      entries = imported
    }
  }

  func contains(_ key: String) -> Bool { entries[key] != nil }
  mutating func add(_ key: String, _ file: String) { entries[key] = file }

  func save() throws {
    let data = try JSONSerialization.data(
      withJSONObject: ["imported": entries], options: [.prettyPrinted, .sortedKeys])
    // The same atomic, fsynced replacement as the configuration file.
    try ConfigFile.write(data, to: path)
  }
}
