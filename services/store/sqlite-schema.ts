// The SQLite log schema. Invariant kept by sqlite.ts, one transaction per append: the entries are
// exactly indices 0 .. max(checkpoints.size) - 1, and every tile a tree of that size has is stored.

/** Stored in PRAGMA user_version; a program refuses a file of a newer version than its own. */
export const SQLITE_SCHEMA_VERSION = 1;

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
  -- Every checkpoint the log committed, one per size (never two roots for one size); the
  -- largest is the tree size, and only its note may be replaced (by a cosigned one).
  CREATE TABLE IF NOT EXISTS checkpoints (
    size INTEGER PRIMARY KEY CHECK (size > 0),
    note BLOB NOT NULL CHECK (length(note) > 0)
  );
`;
