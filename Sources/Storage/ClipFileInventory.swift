import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// One file found under `recordings/` or `archives/`.
public struct StoredFile: Sendable, Equatable {
  /// Relative to the data directory, as the index stores paths.
  public var relativePath: String
  public var sizeBytes: Int64
  /// Last modification, epoch milliseconds: a file touched a moment ago may be a clip being opened.
  public var modifiedMs: Int64
}

/// Every file of both clip trees, read in one walk with `readdir` and one `stat` per file: the
/// consistency check compares it with one query over the index, so 100,000 clips take about a second
/// rather than one SQL statement per file.
public struct ClipFileInventory: Sendable {
  /// Files whose names vms writes (`ClipFileName`), by relative path.
  public var files: [String: StoredFile] = [:]
  /// `NAME.mp4.partial` / `NAME.jpg.partial`: a copy into the other tree interrupted before its rename
  /// (archiving across disks). Never footage anyone else has: the source still exists.
  public var partialCopies: [String] = []
  /// Anything else in the trees (wrong depth, foreign names, directories where files belong...).
  public var unknown: [String] = []
  /// Folders that could not be read, with the reason.
  public var unreadable: [String] = []

  public init() {}

  public static func walk(_ layout: DataLayout) -> ClipFileInventory {
    var inventory = ClipFileInventory()
    for tree in ClipTree.allCases {
      inventory.walk(layout: layout, relative: tree.rawValue, depth: 0)
    }
    return inventory
  }

  /// depth 0: a tree; 1: a camera folder; 2: a day folder, where the files are.
  private mutating func walk(layout: DataLayout, relative: String, depth: Int) {
    let absolute = layout.rootPath + "/" + relative
    guard let directory = opendir(absolute) else {
      // A missing tree is only an empty one (ClipIndex.open creates both).
      if errno != ENOENT {
        unreadable.append("\(relative): \(String(cString: strerror(errno)))")
      }
      return
    }
    defer { closedir(directory) }
    var entries: [(name: String, isDirectory: Bool, stat: stat?)] = []
    while let entry = readdir(directory) {
      let name = withUnsafePointer(to: &entry.pointee.d_name) { pointer in
        pointer.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
      }
      if name == "." || name == ".." { continue }
      var info = stat()
      // Follows symbolic links: a camera folder on another disk is the administrator's choice.
      guard fstatat(dirfd(directory), name, &info, 0) == 0 else {
        unknown.append(relative + "/" + name)
        continue
      }
      entries.append((name, (info.st_mode & S_IFMT) == S_IFDIR, info))
    }
    for entry in entries {
      let child = relative + "/" + entry.name
      if entry.isDirectory {
        // Trees hold camera folders, camera folders hold day folders, day folders hold files.
        if depth < 2 {
          walk(layout: layout, relative: child, depth: depth + 1)
        } else {
          unknown.append(child)
        }
        continue
      }
      if depth == 2, child.hasSuffix(".partial"),
        ClipFileName(relativePath: String(child.dropLast(8)), layout: layout) != nil
      {
        partialCopies.append(child)
        continue
      }
      guard depth == 2, let info = entry.stat,
        ClipFileName(relativePath: child, layout: layout) != nil
      else {
        unknown.append(child)
        continue
      }
      #if canImport(Darwin)
        let modified = info.st_mtimespec
      #else
        let modified = info.st_mtim
      #endif
      files[child] = StoredFile(
        relativePath: child, sizeBytes: Int64(info.st_size),
        modifiedMs: Int64(modified.tv_sec) * 1000 + Int64(modified.tv_nsec) / 1_000_000)
    }
  }
}
