// The `Export` object of docs/api.md: the answer of GET /api/v1/exports/{id} and the payload of the
// events WebSocket's `export` message.
import Foundation
import Storage

struct ExportJSON: Encodable {
  var id: Int64
  var camera: String
  var start: String
  var end: String
  var startMs: Int64
  var endMs: Int64
  var state: String
  var progress: Double
  var error: String?
  var sizeBytes: Int64
  var createdMs: Int64

  enum CodingKeys: String, CodingKey {
    case id, camera, start, end, state, progress, error
    case startMs = "start_ms"
    case endMs = "end_ms"
    case sizeBytes = "size_bytes"
    case createdMs = "created_ms"
  }

  init(_ record: ExportRecord) {
    id = record.id
    camera = record.cameraId
    start = ExportTime.text(ms: record.startMs)
    end = ExportTime.text(ms: record.endMs)
    startMs = record.startMs
    endMs = record.endMs
    state = record.state.rawValue
    progress = (record.progress * 1000).rounded() / 1000
    error = record.error
    sizeBytes = record.sizeBytes
    createdMs = record.createdMs
  }

  /// `error` is always present, null unless failed.
  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(id, forKey: .id)
    try container.encode(camera, forKey: .camera)
    try container.encode(start, forKey: .start)
    try container.encode(end, forKey: .end)
    try container.encode(startMs, forKey: .startMs)
    try container.encode(endMs, forKey: .endMs)
    try container.encode(state, forKey: .state)
    try container.encode(progress, forKey: .progress)
    try container.encode(error, forKey: .error)
    try container.encode(sizeBytes, forKey: .sizeBytes)
    try container.encode(createdMs, forKey: .createdMs)
  }
}
