/// What a comparison of the index with the clip trees found (`ClipIndex.checkConsistency`). Each list
/// is one kind of inconsistency; the runtime's storage check decides which to repair.
public struct ConsistencyReport: Sendable, Equatable {
  public struct SizeMismatch: Sendable, Equatable {
    public var clip: ClipRecord
    public var fileBytes: Int64
  }

  public struct ThumbnailMismatch: Sendable, Equatable {
    public var clip: ClipRecord
    /// What the row should say: the JPEG beside the video when it exists, else nil.
    public var thumbnail: String?
  }

  public var clipCount = 0
  public var fileCount = 0
  /// Complete rows whose video exists in neither tree.
  public var rowsWithoutFile: [ClipRecord] = []
  /// Rows whose video is missing where the row says but exists under the same name in the other tree,
  /// left so by an interrupted archive or un-archive: moving the file where the row says finishes it.
  public var misplaced: [ClipRecord] = []
  /// Clips left `recording` (a crash, or a recorder at work when the check runs live).
  public var recording: [ClipRecord] = []
  /// Videos no row points to (in either tree).
  public var filesWithoutRow: [StoredFile] = []
  /// Files without a row whose same name in the other tree is a row's existing file, and `.partial`
  /// copies: what an interrupted archive or un-archive leaves (the row already points to the other
  /// copy). Removing them loses nothing; adopting them would duplicate the clip.
  public var leftoverCopies: [String] = []
  /// JPEGs whose video has no row and no file.
  public var thumbnailsWithoutClip: [String] = []
  /// Complete rows whose `size_bytes` is not the file's size (usage and quotas would be wrong).
  public var sizeMismatches: [SizeMismatch] = []
  /// Rows whose `thumbnail` names a missing JPEG, or none while one exists beside the video.
  public var thumbnailMismatches: [ThumbnailMismatch] = []
  /// Files or folders in the trees whose names vms never writes: reported, never touched.
  public var unknownFiles: [String] = []
  /// Folders that could not be read.
  public var unreadable: [String] = []
  /// Exports marked done whose file (`exports/ID.mp4`) is gone.
  public var exportsWithoutFile: [ExportRecord] = []
  /// Files without a row modified after the check's `freshSinceMs`: possibly a clip being opened by a
  /// running server, so not judged.
  public var skippedFresh = 0

  public init() {}

  /// True when nothing at all is wrong (clips left `recording` count as wrong: after a clean stop or
  /// a repair there are none).
  public var isConsistent: Bool { problemCount == 0 }

  /// Every inconsistency found, all kinds together (one list per kind above).
  public var problemCount: Int {
    rowsWithoutFile.count + misplaced.count + recording.count + filesWithoutRow.count
      + thumbnailsWithoutClip.count + leftoverCopies.count + sizeMismatches.count
      + thumbnailMismatches.count
      + unknownFiles.count + unreadable.count + exportsWithoutFile.count
  }
}
