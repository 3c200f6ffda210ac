// Disk usage from the index (invariant 4: bytes come from `size_bytes`, never from walking the tree):
// one query, grouped by camera, behind every figure the API and the janitor show or act on.
import Foundation
import GRDB

/// Bytes of a camera's clips, recordings and archives apart. A clip being recorded counts with its
/// last reported size.
public struct ClipUsage: Sendable, Equatable {
  public var recordingsBytes: Int64
  public var archivesBytes: Int64
  /// The part of `recordingsBytes` in continuous segments (the rest is event clips).
  public var segmentsBytes: Int64

  public init(recordingsBytes: Int64 = 0, archivesBytes: Int64 = 0, segmentsBytes: Int64 = 0) {
    self.recordingsBytes = recordingsBytes
    self.archivesBytes = archivesBytes
    self.segmentsBytes = segmentsBytes
  }
}

extension ClipIndex {
  /// The one usage query: per camera (one camera when `cameraId` is given), recordings (not
  /// archived, being recorded included) and archives apart. Cameras without clips are absent.
  func usage(of cameraId: String?) throws -> [String: ClipUsage] {
    try pool.read(Self.usageQuery(of: cameraId))
  }

  static func usageQuery(of cameraId: String?) -> Query<[String: ClipUsage]> {
    var sql = """
      SELECT camera_id,
             COALESCE(SUM(CASE WHEN archived = 0 THEN size_bytes END), 0) AS recordings,
             COALESCE(SUM(CASE WHEN archived <> 0 THEN size_bytes END), 0) AS archives,
             COALESCE(SUM(CASE WHEN archived = 0 AND kind = 'segment' THEN size_bytes END), 0)
               AS segments
      FROM clip
      """
    var arguments: StatementArguments = []
    if let cameraId {
      sql += " WHERE camera_id = ?"
      arguments = [cameraId]
    }
    sql += " GROUP BY camera_id"
    let query = sql
    let values = arguments
    return { db in
      var usage: [String: ClipUsage] = [:]
      let rows = try Row.fetchCursor(db, sql: query, arguments: values)
      while let row = try rows.next() {
        usage[row["camera_id"]] = ClipUsage(
          recordingsBytes: row["recordings"], archivesBytes: row["archives"],
          segmentsBytes: row["segments"])
      }
      return usage
    }
  }

  /// Bytes used by a camera's clips; zero for a camera without any.
  public func usage(cameraId: String) throws -> ClipUsage {
    try DataLayout.validateCameraId(cameraId)
    return try usage(of: cameraId)[cameraId] ?? ClipUsage()
  }

  /// Usage of every camera that has clips, configured or not, in one pass over the index.
  public func usageByCamera() throws -> [String: ClipUsage] {
    try usage(of: nil)
  }

  /// Bytes of every clip not archived (recordings, including those being recorded): what
  /// `storage.max_bytes` limits.
  public func recordingsBytes() throws -> Int64 {
    try usage(of: nil).values.reduce(0) { $0 + $1.recordingsBytes }
  }
}
