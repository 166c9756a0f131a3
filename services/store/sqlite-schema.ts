// The SQLite log schema. Invariant kept by sqlite.ts, one transaction per append: the entries are
// exactly indices 0 .. max(checkpoints.size) - 1, and every tile a tree of that size has is stored.

/** Stored in PRAGMA user_version; a program refuses a file of a newer version than its own. */
export const SQLITE_SCHEMA_VERSION = 2;

/**
 * From version 1, whose checkpoints table refused size 0: the same table, taking the empty log's
 * checkpoint too (SQLite cannot alter a CHECK, so the table is copied).
 */
export const sqliteMigrationFrom1 = `
  CREATE TABLE checkpoints_v2 (
    size INTEGER PRIMARY KEY CHECK (size >= 0),
    note BLOB NOT NULL CHECK (length(note) > 0)
  );
  INSERT INTO checkpoints_v2 (size, note) SELECT size, note FROM checkpoints;
  DROP TABLE checkpoints;
  ALTER TABLE checkpoints_v2 RENAME TO checkpoints;
`;

export const sqliteSchema = `
  -- The log entries, the events: index -> bytes exactly as appended.
  CREATE TABLE IF NOT EXISTS entries (
    idx  INTEGER PRIMARY KEY CHECK (idx >= 0),
    data BLOB NOT NULL
  );
  -- Hash tiles (C2SP tlog-tiles), the widest version of each; full tiles (width 256) never change.
  CREATE TABLE IF NOT EXISTS tiles (
    level INTEGER NOT NULL CHECK (level >= 0),
    idx   INTEGER NOT NULL CHECK (idx >= 0),
    width INTEGER NOT NULL CHECK (width BETWEEN 1 AND 256),
    data  BLOB NOT NULL CHECK (length(data) = width * 32),
    PRIMARY KEY (level, idx)
  );
  -- Every checkpoint the log committed, one per size (never two roots for one size), from the
  -- empty log's (size 0) on; the largest is the tree size, and only its note may be replaced (by
  -- a cosigned one).
  CREATE TABLE IF NOT EXISTS checkpoints (
    size INTEGER PRIMARY KEY CHECK (size >= 0),
    note BLOB NOT NULL CHECK (length(note) > 0)
  );
`;
