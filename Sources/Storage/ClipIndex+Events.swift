// Motion events as ranges of time (table `event`, migration v4-events): a camera's motion from when
// it began to when it ended, its peak score and a thumbnail taken at the peak. In events mode an
// event is tied to the clip it is (`clip_id`); in continuous mode it points into the segments by
// time. A camera's events never overlap (one detector, motion on then off).
//
// The order of writes, and what a kill -9 between two steps leaves:
// 1. Open: INSERT the row, `end_ms` NULL, no thumbnail. A crash leaves an open event, which the
//    start-up (`closeEventsLeftOpen`, after the clips left recording are finished from their files)
//    closes at the last moment the camera's footage covers, or removes when none covers it.
// 2. Peak (at most once a second): write the JPEG under a temporary name, rename it to the event's
//    path (`events/CAMERA/DAY/ID.jpg`, one per event, replaced as the peak rises), then UPDATE
//    `peak_score`, `peak_ms`, `thumbnail`. A crash between the two leaves a JPEG the row does not
//    name yet: the row's thumbnail is the previous one or none, and the file is removed with the
//    event (its path comes from the id, not from the row).
// 3. Close: UPDATE `end_ms`.
// 4. Delete (footage gone: `deleteClips` removes, in the transaction that deletes clips, the
//    closed events of those cameras that no clip covers any more): the rows, committed, then
//    their JPEGs. A crash in between leaves a JPEG without a row under `events/`, never a row
//    pointing to a missing JPEG because of a deletion.
import Foundation
import GRDB
import Timekeeping

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension ClipIndex {
  /// The folder of event thumbnails under the data directory (outside the clip trees, so the
  /// consistency check of clips never sees them).
  public static let eventsFolder = "events"

  /// `events/CAMERA_ID/YYYY-MM-DD/ID.jpg` (the local day the event started).
  func eventThumbnailRelativePath(_ event: MotionEventRecord) throws -> String {
    try DataLayout.validateCameraId(event.cameraId)
    return
      "\(Self.eventsFolder)/\(event.cameraId)/\(layout.localDay(ofMs: event.startMs))/\(event.id).jpg"
  }

  /// The absolute path of an event's thumbnail as the row names it; refuses anything but the
  /// shape `eventThumbnailRelativePath` makes (a stored path is never trusted to stay inside).
  public func absolutePath(ofEventThumbnail relative: String) throws -> String {
    let parts = relative.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 4, parts[0] == Substring(Self.eventsFolder),
      (try? DataLayout.validateCameraId(String(parts[1]))) != nil,
      layout.isValidDay(String(parts[2])), parts[3].hasSuffix(".jpg"),
      parts[3].dropLast(4).allSatisfy({ $0.isASCII && $0.isNumber }), parts[3].count > 4
    else { throw StorageError.unsafePath(relative) }
    return layout.rootPath + "/" + relative
  }

  // MARK: Lifecycle (the recorder, on its own thread)

  /// Step 1: a new open event. `clipId`: the clip it is, in events mode, when already open.
  public func openEvent(cameraId: String, startMs: Int64, peakScore: Double, clipId: Int64?)
    throws -> MotionEventRecord
  {
    try DataLayout.validateCameraId(cameraId)
    return try write { db in
      try db.execute(
        sql: """
          INSERT INTO event (camera_id, start_ms, peak_score, peak_ms, clip_id)
          VALUES (?, ?, ?, ?, ?)
          """,
        arguments: [cameraId, startMs, peakScore, startMs, clipId])
      return MotionEventRecord(
        id: db.lastInsertedRowID, cameraId: cameraId, startMs: startMs, endMs: nil,
        peakScore: peakScore, peakMs: startMs, thumbnail: nil, label: nil, clipId: clipId,
        reviewed: false)
    }
  }

  /// Step 2: a higher peak, with the JPEG of that moment when there is one (the previous
  /// thumbnail stays otherwise). A JPEG that cannot be written throws, and the row is unchanged.
  public func raiseEventPeak(
    _ event: MotionEventRecord, score: Double, atMs: Int64, jpeg: [UInt8]?
  ) throws -> MotionEventRecord {
    var updated = event
    updated.peakScore = score
    updated.peakMs = atMs
    if let jpeg {
      let relative = try eventThumbnailRelativePath(event)
      let path = try absolutePath(ofEventThumbnail: relative)
      do {
        try FileManager.default.createDirectory(
          atPath: (path as NSString).deletingLastPathComponent,
          withIntermediateDirectories: true)
        try Data(jpeg).write(to: URL(fileURLWithPath: path), options: .atomic)
        updated.thumbnail = relative
      } catch {
        throw StorageError.fileOperationFailed(
          path: path, reason: "cannot write the event's thumbnail (\(error.localizedDescription))")
      }
    }
    try write { db in
      try db.execute(
        sql: "UPDATE event SET peak_score = ?, peak_ms = ?, thumbnail = ? WHERE id = ?",
        arguments: [updated.peakScore, updated.peakMs, updated.thumbnail, event.id])
    }
    return updated
  }

  /// The clip an open event is in, in events mode (the clip opens a frame after the motion).
  public func attachEventClip(_ event: MotionEventRecord, clipId: Int64) throws
    -> MotionEventRecord
  {
    try write { db in
      try db.execute(
        sql: "UPDATE event SET clip_id = ? WHERE id = ?", arguments: [clipId, event.id])
    }
    var updated = event
    updated.clipId = clipId
    return updated
  }

  /// Step 3: the motion ended at `endMs` (never before the start). `endMs` nil opens a closed
  /// event again (events mode: motion came back while its clip was still being recorded).
  public func setEventEnd(_ event: MotionEventRecord, endMs: Int64?) throws -> MotionEventRecord {
    var updated = event
    updated.endMs = endMs.map { max($0, event.startMs) }
    if let end = updated.endMs, updated.peakMs > end { updated.peakMs = end }
    try write { [updated] db in
      try db.execute(
        sql: "UPDATE event SET end_ms = ?, peak_ms = ? WHERE id = ?",
        arguments: [updated.endMs, updated.peakMs, event.id])
    }
    return updated
  }

  /// After a crash (start-up, once the clips left recording are finished): every event still open
  /// ends at the last moment its camera's footage covers (the end of the camera's latest clip,
  /// since a camera's clips never overlap and nothing records yet); one that no footage covers is
  /// removed with its thumbnail. Returns how many were closed and removed.
  public func closeEventsLeftOpen() throws -> (closed: Int, removed: Int) {
    let (closed, removed) = try write { db -> (Int, [MotionEventRecord]) in
      let open = try MotionEventRecord.fetchAll(
        db, sql: "SELECT * FROM event WHERE end_ms IS NULL ORDER BY id")
      var closed = 0
      var removed: [MotionEventRecord] = []
      for event in open {
        let footageEndMs = try Int64.fetchOne(
          db,
          sql: """
            SELECT COALESCE(end_ms, start_ms) FROM \(Self.perCamera)
            WHERE camera_id = ? ORDER BY start_ms DESC, id DESC LIMIT 1
            """,
          arguments: [event.cameraId])
        if let endMs = footageEndMs, endMs >= event.startMs {
          try db.execute(
            sql: "UPDATE event SET end_ms = ?, peak_ms = MIN(peak_ms, ?) WHERE id = ?",
            arguments: [endMs, endMs, event.id])
          closed += 1
        } else {
          try db.execute(sql: "DELETE FROM event WHERE id = ?", arguments: [event.id])
          removed.append(event)
        }
      }
      return (closed, removed)
    }
    removeThumbnails(of: removed)
    return (closed, removed.count)
  }

  // MARK: Queries

  public func event(id: Int64) throws -> MotionEventRecord? {
    try pool.read(Self.eventQuery(id: id))
  }

  static func eventQuery(id: Int64) -> Query<MotionEventRecord?> {
    { db in try MotionEventRecord.fetchOne(db, key: id) }
  }

  public func events(_ filter: MotionEventFilter) throws -> [MotionEventRecord] {
    try pool.read(Self.eventsQuery(filter))
  }

  /// Newest first (start, then id), as the review page lists them.
  static func eventsQuery(_ filter: MotionEventFilter) -> Query<[MotionEventRecord]> {
    var conditions: [String] = []
    var arguments: StatementArguments = []
    if let cameraId = filter.cameraId {
      conditions.append("camera_id = ?")
      arguments += [cameraId]
    }
    if let sinceMs = filter.sinceMs {
      conditions.append("(end_ms IS NULL OR end_ms >= ?)")
      arguments += [sinceMs]
    }
    if let untilMs = filter.untilMs {
      conditions.append("start_ms < ?")
      arguments += [untilMs]
    }
    if let minScore = filter.minScore {
      conditions.append("peak_score >= ?")
      arguments += [minScore]
    }
    if let reviewed = filter.reviewed {
      conditions.append("reviewed = ?")
      arguments += [reviewed]
    }
    if let beforeId = filter.beforeId {
      conditions.append("(start_ms, id) < (SELECT start_ms, id FROM event WHERE id = ?)")
      arguments += [beforeId]
    }
    var sql = "SELECT * FROM event"
    if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
    sql += " ORDER BY start_ms DESC, id DESC LIMIT ?"
    arguments += [filter.limit]
    let query = sql
    let values = arguments
    return { db in try MotionEventRecord.fetchAll(db, sql: query, arguments: values) }
  }

  /// Marks an event reviewed or not; nil when there is no such event.
  public func setEventReviewed(id: Int64, _ reviewed: Bool) throws -> MotionEventRecord? {
    try write(Self.reviewedUpdate(id: id, reviewed))
  }

  static func reviewedUpdate(id: Int64, _ reviewed: Bool) -> Query<MotionEventRecord?> {
    { db in
      try db.execute(
        sql: "UPDATE event SET reviewed = ? WHERE id = ?", arguments: [reviewed, id])
      return try MotionEventRecord.fetchOne(db, key: id)
    }
  }

  // MARK: Footage gone (called by deleteClips)

  /// Inside the transaction that deleted `clips`: removes the closed events of their cameras, in
  /// the time those clips covered, that no clip covers any more, and returns them (their
  /// thumbnails go after the commit). Open events are the recorder's and stay.
  ///
  /// "Covered": the camera's clip that starts last at or before the event's end reaches its start
  /// (a camera's clips never overlap, so no earlier clip reaches further).
  static func eventsWithoutFootage(after clips: [ClipRecord], _ db: Database) throws
    -> [MotionEventRecord]
  {
    var ranges: [String: (from: Int64, to: Int64)] = [:]
    for clip in clips {
      let end = clip.endMs ?? clip.startMs
      let range = ranges[clip.cameraId] ?? (clip.startMs, end)
      ranges[clip.cameraId] = (min(range.from, clip.startMs), max(range.to, end))
    }
    var removed: [MotionEventRecord] = []
    for (cameraId, range) in ranges {
      removed += try MotionEventRecord.fetchAll(
        db,
        sql: """
          DELETE FROM event WHERE id IN (
            SELECT e.id FROM event e INDEXED BY event_camera_start
            WHERE e.camera_id = ? AND e.start_ms <= ? AND e.end_ms >= ?
              AND NOT \(coveredByClip("e"))
          ) RETURNING *
          """,
        arguments: [cameraId, range.to, range.from])
    }
    return removed
  }

  /// SQL: the event `alias` has footage (see `eventsWithoutFootage`). A clip being recorded covers
  /// everything after its start.
  static func coveredByClip(_ alias: String) -> String {
    """
    COALESCE((SELECT CASE WHEN c.state = 'recording' THEN 9223372036854775807
                          ELSE COALESCE(c.end_ms, c.start_ms) END
              FROM clip c INDEXED BY clip_camera_start
              WHERE c.camera_id = \(alias).camera_id AND c.start_ms <= \(alias).end_ms
              ORDER BY c.start_ms DESC LIMIT 1), -1) >= \(alias).start_ms
    """
  }

  /// SQL: the clip `alias` overlaps an event of its camera (the event that starts last at or
  /// before the clip's end reaches its start; an open event goes on).
  static func overlapsEvent(_ alias: String) -> String {
    """
    COALESCE((SELECT COALESCE(e.end_ms, 9223372036854775807)
              FROM event e INDEXED BY event_camera_start
              WHERE e.camera_id = \(alias).camera_id
                AND e.start_ms <= COALESCE(\(alias).end_ms, \(alias).start_ms)
              ORDER BY e.start_ms DESC LIMIT 1), -1) >= \(alias).start_ms
    """
  }

  /// Unlinks the thumbnails of deleted event rows: the path the id gives (a JPEG may exist that
  /// the row did not name yet) and the row's own when it differs. Errors are ignored: a JPEG left
  /// under `events/` is harmless.
  func removeThumbnails(of events: [MotionEventRecord]) {
    for event in events {
      var paths: [String] = []
      if let relative = try? eventThumbnailRelativePath(event) { paths.append(relative) }
      if let own = event.thumbnail, !paths.contains(own) { paths.append(own) }
      for relative in paths {
        if let path = try? absolutePath(ofEventThumbnail: relative) { unlink(path) }
      }
    }
  }
}

extension AsyncClipIndex {
  public func event(id: Int64) async throws -> MotionEventRecord? {
    try await read(ClipIndex.eventQuery(id: id))
  }

  public func events(_ filter: MotionEventFilter) async throws -> [MotionEventRecord] {
    try await read(ClipIndex.eventsQuery(filter))
  }

  public func setEventReviewed(id: Int64, _ reviewed: Bool) async throws -> MotionEventRecord? {
    try await write(ClipIndex.reviewedUpdate(id: id, reviewed))
  }
}
