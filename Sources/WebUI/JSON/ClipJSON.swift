// The `Clip` object of docs/api.md.
import Foundation
import Storage

struct ClipJSON: Encodable {
  var id: Int64
  var cameraId: String
  var startMs: Int64
  var endMs: Int64
  var durationMs: Int64
  var sizeBytes: Int64
  var state: String
  var archived: Bool
  /// Exactly as stored: the UI must render it as text.
  var comment: String
  var hasThumbnail: Bool

  enum CodingKeys: String, CodingKey {
    case id
    case cameraId = "camera_id"
    case startMs = "start_ms"
    case endMs = "end_ms"
    case durationMs = "duration_ms"
    case sizeBytes = "size_bytes"
    case state, archived, comment
    case hasThumbnail = "has_thumbnail"
  }

  /// `thumbnailExists`: whether the JPEG of a clip being recorded is on the disk yet.
  init(_ clip: ClipRecord, thumbnailExists: Bool) {
    id = clip.id
    cameraId = clip.cameraId
    startMs = clip.startMs
    endMs = clip.endMs ?? clip.startMs + clip.durationMs
    durationMs = clip.durationMs
    sizeBytes = clip.sizeBytes
    state = clip.state.rawValue
    archived = clip.archived
    comment = clip.comment
    // A complete clip's row says whether it has one; a recording clip's JPEG appears once motion
    // was seen, so the caller looked.
    hasThumbnail = clip.thumbnail != nil && (clip.state == .complete || thumbnailExists)
  }
}
