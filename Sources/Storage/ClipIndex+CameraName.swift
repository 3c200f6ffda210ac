// The last display name of each camera id (the `camera_name` table). Footage outlives a camera's
// entry in the configuration; with this its history keeps being shown under the name the user
// knew, not the id, also after a restart.
import GRDB

extension ClipIndex {
  /// Records the names in force (camera id -> display name); a row is written only when the name
  /// is new or changed, so calling this on every configuration apply costs one read.
  public func rememberCameraNames(_ names: [String: String]) throws {
    let changed = Self.changedNames(names, known: try cameraNames())
    guard !changed.isEmpty else { return }
    try write(Self.storeNames(changed))
  }

  /// The same without blocking the caller's thread (GRDB's async access): for the supervisor, an
  /// actor on the cooperative pool.
  public func rememberCameraNames(_ names: [String: String]) async throws {
    let changed = Self.changedNames(names, known: try await pool.read(Self.cameraNamesQuery))
    guard !changed.isEmpty else { return }
    try await pool.write(Self.storeNames(changed))
  }

  private static func changedNames(_ names: [String: String], known: [String: String])
    -> [String: String]
  {
    names.filter { known[$0.key] != $0.value }
  }

  private static func storeNames(_ names: [String: String]) -> Query<Void> {
    { db in
      for (id, name) in names.sorted(by: { $0.key < $1.key }) {
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
