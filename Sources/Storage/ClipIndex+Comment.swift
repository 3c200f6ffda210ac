// A clip's comment, as the user typed it (the web layer escapes nothing: it always returns it as a
// JSON string and the UI renders it as text).
import GRDB

extension ClipIndex {
  public static let maxCommentLength = 500

  /// Stores `comment` as given and returns the updated row. The length limit is the caller's check
  /// too; this one guards the database.
  public func setComment(id: Int64, comment: String) throws -> ClipRecord {
    try write(Self.commentUpdate(id: id, comment: comment))
  }

  static func commentUpdate(id: Int64, comment: String) -> Query<ClipRecord> {
    precondition(comment.count <= Self.maxCommentLength, "comment longer than the limit")
    return { db in
      try db.execute(sql: "UPDATE clip SET comment = ? WHERE id = ?", arguments: [comment, id])
      guard db.changesCount == 1, let clip = try ClipRecord.fetchOne(db, key: id) else {
        throw StorageError.clipNotFound(id: id)
      }
      return clip
    }
  }
}
