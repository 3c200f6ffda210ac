// The last display name of each camera id (the `camera_name` table). Footage outlives a camera's
// entry in the configuration; with this its history keeps being shown under the name the user
// knew, not the id, also after a restart.
import GRDB

extension ClipIndex {
  /// Records the names in force (camera id -> display name); a row is written only when the name
  /// is new or changed, so calling this on every configuration apply costs one read.
  public func rememberCameraNames(_ names: [String: String]) throws {
    let known = try cameraNames()
    let changed = names.filter { known[$0.key] != $0.value }
    guard !changed.isEmpty else { return }
    try write { db in
      for (id, name) in changed.sorted(by: { $0.key < $1.key }) {
        try db.execute(
          sql: """
            INSERT INTO camera_name (camera_id, name) VALUES (?, ?)
            ON CONFLICT (camera_id) DO UPDATE SET name = excluded.name
            """,
          arguments: [id, name])
      }
    }
  }

  /// The last display name known for each camera id, configured or not.
  public func cameraNames() throws -> [String: String] {
    try pool.read(Self.cameraNamesQuery)
  }

  static let cameraNamesQuery: Query<[String: String]> = { db in
    let rows = try Row.fetchAll(db, sql: "SELECT camera_id, name FROM camera_name")
    return Dictionary(
      rows.map { ($0["camera_id"] as String, $0["name"] as String) },
      uniquingKeysWith: { a, _ in a })
  }
}
