// The consistency check of the index against the clip trees, and its repairs: at start-up of
// `vms serve` and as `vms check-storage [--repair]`. Storage compares (one walk, one query); this
// adds what needs FFmpeg: probing orphan videos before adopting them, and finishing clips left
// `recording` from what their file holds.
import Foundation
import Logging
import Storage
import Timekeeping
import VMSMedia

public enum StorageCheck {
  /// Which repairs to make. Whatever is not repaired is reported.
  public struct Repairs: Sendable, Equatable {
    /// Finish clips left `recording` from their file; remove them when nothing is playable.
    public var finishRecording: Bool
    /// Adopt playable videos without a row (probed duration); remove empty ones (reserved names).
    public var adoptOrphans: Bool
    /// Finish interrupted archive / un-archive moves; remove the copies they left behind.
    public var finishMoves: Bool
    /// Correct sizes and thumbnails in rows from the files.
    public var correctRows: Bool
    /// Remove rows whose video is gone, and JPEGs that belong to no clip.
    public var removeDangling: Bool

    public init(
      finishRecording: Bool, adoptOrphans: Bool, finishMoves: Bool, correctRows: Bool,
      removeDangling: Bool
    ) {
      self.finishRecording = finishRecording
      self.adoptOrphans = adoptOrphans
      self.finishMoves = finishMoves
      self.correctRows = correctRows
      self.removeDangling = removeDangling
    }

    /// Report only (`vms check-storage`).
    public static let none = Repairs(
      finishRecording: false, adoptOrphans: false, finishMoves: false, correctRows: false,
      removeDangling: false)
    /// Everything (`vms check-storage --repair`).
    public static let all = Repairs(
      finishRecording: true, adoptOrphans: true, finishMoves: true, correctRows: true,
      removeDangling: true)
    /// Start-up of `vms serve`: everything that loses nothing. Rows whose video is missing are only
    /// reported: a data disk that failed to mount would otherwise empty the index.
    public static let startUp = Repairs(
      finishRecording: true, adoptOrphans: true, finishMoves: true, correctRows: true,
      removeDangling: false)
  }

  public struct Summary: Sendable, Equatable {
    public var report = ConsistencyReport()
    public var finishedRecording = 0
    public var removedRecording = 0
    public var adopted = 0
    /// Orphan videos with nothing playable (left in place and reported; empty ones removed).
    public var unplayable: [String] = []
    /// Orphan videos the index cannot date, moved to `unsorted/` (their new paths).
    public var movedAside: [String] = []
    public var removedEmpty = 0
    public var finishedMoves = 0
    public var removedLeftovers = 0
    public var correctedRows = 0
    public var removedRows = 0
    public var removedThumbnails = 0
    public var removedExports = 0
    public var errors: [String] = []
    public var elapsedSeconds = 0.0

    public init() {}

    /// Inconsistencies found minus those repaired: 0 means the index and the trees agree now.
    public var problemsLeft: Int {
      let fixed =
        finishedRecording + removedRecording + adopted + movedAside.count + removedEmpty
        + finishedMoves
        + removedLeftovers + correctedRows + removedRows + removedThumbnails + removedExports
      return max(0, report.problemCount - fixed)
    }

    /// One line per kind found, with what was done, for the command's output and the start-up log.
    public var lines: [String] {
      let r = report
      var lines = [
        "\(r.clipCount) clip(s) in the index, \(r.fileCount) file(s) on disk, checked in \(String(format: "%.2f", elapsedSeconds)) s"
      ]
      func add(_ count: Int, _ what: String, _ done: String) {
        guard count > 0 else { return }
        lines.append("\(count) \(what)\(done.isEmpty ? "" : ": \(done)")")
      }
      add(
        r.recording.count, "clip(s) left recording",
        finishedRecording + removedRecording > 0
          ? "\(finishedRecording) finished from the file, \(removedRecording) removed (nothing playable)"
          : "run with --repair to finish them from their files")
      add(
        r.filesWithoutRow.count, "video(s) without a row",
        adopted + removedEmpty + unplayable.count + movedAside.count > 0
          ? "\(adopted) adopted, \(removedEmpty) empty removed, \(unplayable.count) unplayable left in place"
            + (movedAside.isEmpty ? "" : ", \(movedAside.count) undatable moved aside")
          : "run with --repair to adopt the playable ones")
      for path in unplayable.prefix(20) { lines.append("  unplayable: \(path)") }
      for path in movedAside.prefix(20) {
        lines.append(
          "  moved aside (its name is no time of its day, the file carries none): \(path)")
      }
      add(
        r.misplaced.count, "clip(s) interrupted while moving between recordings/ and archives/",
        finishedMoves > 0 ? "\(finishedMoves) moved where the index says" : "run with --repair")
      add(
        r.leftoverCopies.count, "leftover copy(ies) of interrupted moves",
        removedLeftovers > 0 ? "\(removedLeftovers) removed" : "run with --repair to remove them")
      add(
        r.sizeMismatches.count + r.thumbnailMismatches.count,
        "row(s) with a wrong size or thumbnail",
        correctedRows > 0 ? "\(correctedRows) corrected" : "run with --repair to correct them")
      add(
        r.rowsWithoutFile.count, "row(s) whose video is missing",
        removedRows > 0
          ? "\(removedRows) removed from the index"
          : "if the data disk is mounted, run vms check-storage --repair to remove them")
      for clip in r.rowsWithoutFile.prefix(20) { lines.append("  missing: \(clip.file)") }
      add(
        r.thumbnailsWithoutClip.count, "thumbnail(s) without a clip",
        removedThumbnails > 0 ? "\(removedThumbnails) removed" : "run with --repair to remove them")
      add(
        r.unknownFiles.count, "unknown file(s) in the clip trees", "left alone; move them elsewhere"
      )
      for path in r.unknownFiles.prefix(20) { lines.append("  unknown: \(path)") }
      add(r.unreadable.count, "unreadable folder(s)", "check permissions")
      add(
        r.exportsWithoutFile.count, "export(s) whose file is missing",
        removedExports > 0
          ? "\(removedExports) removed from the index"
          : "run vms check-storage --repair to remove them")
      for export in r.exportsWithoutFile.prefix(20) {
        lines.append("  missing export: \(export.file) (export \(export.id))")
      }
      for problem in r.unreadable.prefix(20) { lines.append("  unreadable: \(problem)") }
      if r.skippedFresh > 0 {
        lines.append(
          "\(r.skippedFresh) file(s) written in the last minute not judged (a server may be recording)"
        )
      }
      for error in errors.prefix(20) { lines.append("error: \(error)") }
      lines.append(problemsLeft == 0 ? "storage is consistent" : "\(problemsLeft) problem(s) left")
      return lines
    }
  }

  /// Compares the index with the trees and makes `repairs`. `freshSinceMs`: see
  /// `ClipIndex.checkConsistency`.
  public static func run(
    index: ClipIndex, repairs: Repairs, log: Logger, freshSinceMs: Int64? = nil
  ) -> Summary {
    let started = Date()
    var summary = Summary()
    do {
      summary.report = try index.checkConsistency(freshSinceMs: freshSinceMs)
    } catch {
      summary.errors.append("cannot compare the index with the files: \(error)")
      return summary
    }
    let report = summary.report
    var errors: [String] = []
    func attempt(_ what: String, _ body: () throws -> Void) {
      do {
        try body()
      } catch {
        errors.append("cannot \(what): \(error)")
      }
    }

    if repairs.finishRecording {
      // Each file is read to its last complete fragment: what is playable is kept with its real
      // duration; a row whose file is missing or holds no frame is removed.
      for clip in report.recording {
        guard let path = try? index.absolutePath(of: clip.file) else { continue }
        do {
          let probe = try MediaProbe.probe(path: path)
          let attributes = try? FileManager.default.attributesOfItem(atPath: path)
          let sizeBytes = (attributes?[.size] as? NSNumber)?.int64Value ?? 0
          let durationMs = Milliseconds.of(seconds: probe.durationSeconds)
          let thumbnail = clip.thumbnail.flatMap { try? index.absolutePath(of: $0) }
          let hasThumbnail = thumbnail.map { FileManager.default.fileExists(atPath: $0) } ?? false
          try index.finishClip(
            id: clip.id, endMs: clip.startMs + durationMs, durationMs: durationMs,
            sizeBytes: sizeBytes, hasThumbnail: hasThumbnail)
          summary.finishedRecording += 1
          log.notice(
            "repaired clip \(clip.file): \(String(format: "%.1f", probe.durationSeconds)) s kept after an unclean stop"
          )
        } catch {
          log.warning(
            "clip \(clip.file) left by an unclean stop has nothing playable (\(error)); removing it"
          )
          do {
            try index.deleteClip(id: clip.id)
            summary.removedRecording += 1
          } catch {
            log.error("cannot remove clip \(clip.file): \(error)")
          }
        }
      }
    }

    if repairs.finishRecording {
      // Motion events an unclean stop left open end where their footage ends (the clips above
      // are finished first, so that end is known); see ClipIndex+Events.swift.
      attempt("close the motion events left open") {
        let (closed, removed) = try index.closeEventsLeftOpen()
        if closed + removed > 0 {
          log.notice(
            "motion events left open by an unclean stop: \(closed) closed where their footage ends, \(removed) without footage removed"
          )
        }
      }
    }

    if repairs.finishMoves {
      for clip in report.misplaced {
        attempt("finish the move of \(clip.file)") {
          if try index.finishMove(id: clip.id) {
            summary.finishedMoves += 1
            log.notice("finished an interrupted move: \(clip.file)")
          }
        }
      }
      for path in report.leftoverCopies {
        attempt("remove the leftover copy \(path)") {
          try index.removeLeftoverCopy(path)
          summary.removedLeftovers += 1
        }
      }
    }

    if repairs.adoptOrphans {
      for file in report.filesWithoutRow {
        if file.sizeBytes == 0 {
          // A name reserved when a crash came before its row committed: no footage in it.
          attempt("remove the empty file \(file.relativePath)") {
            try index.removeEmptyOrphan(file.relativePath)
            summary.removedEmpty += 1
          }
          continue
        }
        let probe: ProbeResult
        do {
          probe = try MediaProbe.probe(path: try index.absolutePath(of: file.relativePath))
        } catch {
          summary.unplayable.append(file.relativePath)
          log.warning(
            "file without a row is not playable, left in place: \(file.relativePath) (\(error))")
          continue
        }
        attempt("adopt \(file.relativePath)") {
          let durationMs = Milliseconds.of(seconds: probe.durationSeconds)
          do {
            let clip = try index.adoptClip(
              file: file.relativePath, durationMs: durationMs, sizeBytes: file.sizeBytes,
              recordedAtMs: probe.createdAtMs)
            summary.adopted += 1
            log.notice(
              "adopted \(clip.file) (\(String(format: "%.1f", probe.durationSeconds)) s\(clip.archived ? ", archived" : ""))"
            )
          } catch StorageError.undatable {
            // Said once: moved aside, it is not met again at the next start.
            let moved = try index.moveAside(file.relativePath)
            summary.movedAside.append(moved)
            log.warning(
              "cannot tell when \(file.relativePath) was recorded (its name is no time of that day, and the file carries none): moved to \(moved); rename it to the local time it was recorded and put it back to see it in the timeline"
            )
          }
        }
      }
    }

    if repairs.correctRows {
      for mismatch in report.sizeMismatches {
        attempt("correct the size of \(mismatch.clip.file)") {
          try index.correctSize(id: mismatch.clip.id, sizeBytes: mismatch.fileBytes)
          summary.correctedRows += 1
        }
      }
      for mismatch in report.thumbnailMismatches {
        attempt("correct the thumbnail of \(mismatch.clip.file)") {
          try index.correctThumbnail(id: mismatch.clip.id, thumbnail: mismatch.thumbnail)
          summary.correctedRows += 1
        }
      }
    }

    if repairs.removeDangling {
      for clip in report.rowsWithoutFile {
        attempt("remove the row of \(clip.file)") {
          if try index.removeRowWithoutFile(id: clip.id) {
            summary.removedRows += 1
            log.warning("removed clip \(clip.id) from the index: its video \(clip.file) is gone")
          }
        }
      }
      for path in report.thumbnailsWithoutClip {
        attempt("remove the stray thumbnail \(path)") {
          try index.removeStrayThumbnail(path)
          summary.removedThumbnails += 1
        }
      }
      for export in report.exportsWithoutFile {
        attempt("remove export \(export.id)") {
          if try index.deleteExport(id: export.id) != nil {
            summary.removedExports += 1
            log.warning(
              "removed export \(export.id) from the index: its file \(export.file) is gone")
          }
        }
      }
    }
    summary.errors += errors
    summary.elapsedSeconds = Date().timeIntervalSince(started)
    return summary
  }
}
