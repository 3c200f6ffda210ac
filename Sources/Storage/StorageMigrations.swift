import GRDB

/// The schema, one registered migration per step. A step once shipped is never edited: databases in the
/// field already ran it. Add a new `vN-...` step instead.
enum StorageMigrations {
  static let identifiers = [
    "v1-clips", "v2-retention-index", "v3-camera-names", "v4-events", "v5-exports",
  ]

  static var migrator: DatabaseMigrator {
    var migrator = DatabaseMigrator()
    migrator.registerMigration("v1-clips") { db in
      // Written as SQL rather than with the table builder: the exact names are a contract with tools
      // and tests that read this file directly.
      try db.execute(
        sql: """
          CREATE TABLE clip (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            camera_id TEXT NOT NULL,
            start_ms INTEGER NOT NULL,
            end_ms INTEGER,
            duration_ms INTEGER NOT NULL DEFAULT 0,
            size_bytes INTEGER NOT NULL DEFAULT 0,
            file TEXT NOT NULL UNIQUE,
            thumbnail TEXT,
            state TEXT NOT NULL,
            archived INTEGER NOT NULL DEFAULT 0,
            comment TEXT NOT NULL DEFAULT ''
          );
          CREATE INDEX clip_camera_start ON clip (camera_id, start_ms);
          CREATE INDEX clip_state ON clip (state);
          """)
    }
    migrator.registerMigration("v2-retention-index") { db in
      // The janitor asks for "the oldest clips it may delete, across cameras" on every pass: a partial
      // index over exactly those rows answers it without reading archives or open clips. Queries must
      // spell the same literals (`archived = 0 AND state = 'complete'`) for SQLite to use it.
      try db.execute(
        sql: """
          CREATE INDEX clip_deletable_start ON clip (start_ms, id)
            WHERE archived = 0 AND state = 'complete';
          """)
    }
    migrator.registerMigration("v3-camera-names") { db in
      // The last display name of every camera id the server has run: a camera removed from the
      // configuration keeps its footage, and its history is still shown under its name.
      try db.execute(
        sql: """
          CREATE TABLE camera_name (
            camera_id TEXT PRIMARY KEY NOT NULL,
            name TEXT NOT NULL
          );
          """)
    }
    migrator.registerMigration("v4-events") { db in
      // Motion events as ranges (ClipIndex+Events.swift): `end_ms` NULL while the motion goes on,
      // `clip_id` the clip the event is in events mode (NULL in continuous mode, where an event
      // points into segments by time). `clip.kind` tells continuous segments ('segment') from
      // event clips ('event', every clip recorded before this step), for retention per kind;
      // `clip_segment_start` is the janitor's "oldest deletable segments" (same literals as
      // `clip_deletable_start`).
      try db.execute(
        sql: """
          CREATE TABLE event (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            camera_id TEXT NOT NULL,
            start_ms INTEGER NOT NULL,
            end_ms INTEGER,
            peak_score REAL NOT NULL DEFAULT 0,
            peak_ms INTEGER NOT NULL,
            thumbnail TEXT,
            label TEXT,
            clip_id INTEGER,
            reviewed INTEGER NOT NULL DEFAULT 0
          );
          CREATE INDEX event_camera_start ON event (camera_id, start_ms);
          CREATE INDEX event_newest ON event (start_ms DESC, id DESC);
          ALTER TABLE clip ADD COLUMN kind TEXT NOT NULL DEFAULT 'event';
          CREATE INDEX clip_segment_start ON clip (start_ms, id)
            WHERE archived = 0 AND state = 'complete' AND kind = 'segment';
          """)
    }
    migrator.registerMigration("v5-exports") { db in
      // One row per export of a time range to one MP4 (ClipIndex+Export.swift). `file` is relative
      // to the data directory (`exports/ID.mp4`); `progress` goes from 0 to 1 while `running`.
      try db.execute(
        sql: """
          CREATE TABLE export (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            camera_id TEXT NOT NULL,
            start_ms INTEGER NOT NULL,
            end_ms INTEGER NOT NULL,
            state TEXT NOT NULL,
            progress REAL NOT NULL DEFAULT 0,
            error TEXT,
            file TEXT NOT NULL,
            size_bytes INTEGER NOT NULL DEFAULT 0,
            created_ms INTEGER NOT NULL
          );
          CREATE INDEX export_state ON export (state);
          """)
    }
    return migrator
  }
}
