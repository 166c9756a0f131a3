// The SQLite log schema. Invariant kept by sqlite.ts, one transaction per append: the entries are
// exactly indices 0 .. max(checkpoints.size) - 1, every tile a tree of that size has is stored,
// and the state tables reflect exactly that size (unless state_meta says a rebuild is needed).

/**
 * Stored in PRAGMA user_version; a program refuses a file of a newer version than its own.
 * 2 -> 3 added the state tables: created empty, and marked as needing a rebuild when the log
 * already has entries (the `state_meta` row inserted at opening does that, for any older version).
 * 3 -> 4 dropped the map tables' indexes by hash and by version (values are read by key, prunes
 * find what to look at in the write journals): sqliteMigrationFrom3.
 * 4 -> 5 gave state_meta the newest rebuild's token (state.ts: RebuildToken): sqliteMigrationTo5.
 * 5 -> 6 gave state_meta the time of the newest rebuild's last step: sqliteMigrationTo6.
 */
export const SQLITE_SCHEMA_VERSION = 6;

/** state_meta.rebuild: the tables reflect the log; they need a rebuild; one is under way. */
export const REBUILD_IN_STEP = 0;
export const REBUILD_NEEDED = 1;
export const REBUILDING = 2;

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

/**
 * From version 3, after sqliteSchema (which made the journals): the indexes go, and the journals
 * get what was written above the floor, which the next prune must look at.
 */
export const sqliteMigrationFrom3 = `
  DROP INDEX IF EXISTS map_nodes_by_version;
  DROP INDEX IF EXISTS map_values_by_hash;
  DROP INDEX IF EXISTS map_values_by_version;
  INSERT INTO map_node_writes (version, path)
    SELECT version, path FROM map_nodes WHERE version > (SELECT map_floor FROM state_meta);
  INSERT INTO map_value_writes (version, key)
    SELECT version, key FROM map_values WHERE version > (SELECT map_floor FROM state_meta);
`;

/**
 * From version 3 or 4, whose state_meta has no rebuild token: 0, as before any rebuild. A rebuild
 * an older program left unfinished has no token to go on with; the next beginRebuild starts afresh.
 */
export const sqliteMigrationTo5 = `
  ALTER TABLE state_meta ADD COLUMN rebuild_token INTEGER NOT NULL DEFAULT 0 CHECK (rebuild_token >= 0);
`;

/**
 * From version 3, 4 or 5, whose state_meta has no step time: none recorded. A rebuild an older
 * program left marked then reads as one that stopped stepping long ago, which the next start-up
 * takes over rather than waits for.
 */
export const sqliteMigrationTo6 = `
  ALTER TABLE state_meta ADD COLUMN rebuild_stepped_at INTEGER CHECK (rebuild_stepped_at >= 0);
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
  -- The derived tables (state.ts): one row per (table id, key), the current state.
  CREATE TABLE IF NOT EXISTS state_rows (
    tbl   INTEGER NOT NULL,
    key   BLOB NOT NULL,
    value BLOB NOT NULL,
    PRIMARY KEY (tbl, key)
  ) WITHOUT ROWID;
  -- The state map's nodes by position (pathBytes) and version; a read at version v takes the
  -- greatest version <= v.
  CREATE TABLE IF NOT EXISTS map_nodes (
    path    BLOB NOT NULL,
    version INTEGER NOT NULL CHECK (version >= 0),
    node    BLOB NOT NULL,
    PRIMARY KEY (path, version)
  ) WITHOUT ROWID;
  -- The map's leaf values by map key and version; a read names the key and the value's hash.
  -- A rowid table: its rows are appended in rowid order and fill their pages, where rows of a few
  -- hundred bytes inserted at random keys (without rowid) would leave their pages partly empty.
  CREATE TABLE IF NOT EXISTS map_values (
    key     BLOB NOT NULL,
    version INTEGER NOT NULL CHECK (version >= 0),
    hash    BLOB NOT NULL,
    value   BLOB NOT NULL,
    PRIMARY KEY (key, version)
  );
  -- The write journals: the positions and keys each map version wrote, until a prune whose floor
  -- reaches that version has looked at them (and deletes them). A prune needs only the versions
  -- written since the last one; an index by version would hold every version ever kept.
  CREATE TABLE IF NOT EXISTS map_node_writes (
    version INTEGER NOT NULL,
    path    BLOB NOT NULL,
    PRIMARY KEY (version, path)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS map_value_writes (
    version INTEGER NOT NULL,
    key     BLOB NOT NULL,
    PRIMARY KEY (version, key)
  ) WITHOUT ROWID;
  -- Whether the state reflects the log (rebuild 0), needs a rebuild (1) or is being rebuilt (2),
  -- the newest rebuild's token (raised by each beginRebuild; 0 before any), the oldest map
  -- version kept, and when the newest rebuild's last step ran (milliseconds since the Unix epoch
  -- by the clock of the machine that holds the file; NULL before any).
  CREATE TABLE IF NOT EXISTS state_meta (
    singleton          INTEGER PRIMARY KEY CHECK (singleton = 1),
    rebuild            INTEGER NOT NULL CHECK (rebuild IN (0, 1, 2)),
    map_floor          INTEGER NOT NULL CHECK (map_floor >= 0),
    rebuild_token      INTEGER NOT NULL DEFAULT 0 CHECK (rebuild_token >= 0),
    rebuild_stepped_at INTEGER CHECK (rebuild_stepped_at >= 0)
  );
  -- Made beside an existing log (an upgrade), the empty tables do not reflect it.
  INSERT OR IGNORE INTO state_meta (singleton, rebuild, map_floor)
    SELECT 1, CASE WHEN coalesce(max(size), 0) > 0 THEN 1 ELSE 0 END, 0 FROM checkpoints;
`;
