// The PostgreSQL store's tables, one schema per log so that one database can hold several logs.
//
// log_head holds exactly one row: the committed tree size. Every append moves it with
// `UPDATE ... SET size = new WHERE size = expected` inside the append's transaction, so the row
// lock serialises racing writers in the database itself, and the loser's re-checked WHERE finds
// the new size and updates nothing. The primary keys on entries and checkpoints are a second
// line: no index and no checkpoint size can ever be written twice.

/**
 * The layout version, in schema_version. 1 (implicit: no such table) had no state tables; 2 added
 * them, created empty, and marked as needing a rebuild when the log already had entries (the
 * state_meta row the DDL inserts does that); 3 dropped the map tables' indexes by hash and by
 * version for the write journals (checkSchemaVersion fills them on the way up); 4 gave state_meta
 * the newest rebuild's token (state.ts: RebuildToken; checkSchemaVersion adds it on the way up);
 * 5 gave it the time of the newest rebuild's last step (added on the way up too). A program
 * refuses a schema of a newer version.
 */
export const POSTGRES_SCHEMA_VERSION = 5;

/** state_meta.rebuild: the tables reflect the log; they need a rebuild; one is under way. */
export const REBUILD_IN_STEP = 0;
export const REBUILDING = 2;

/** Schema names are spliced into SQL, so only plain lower-case identifiers are accepted. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,47}$/;

export class InvalidSchemaNameError extends Error {
  constructor(readonly schema: string) {
    super(`postgres store: schema name ${JSON.stringify(schema)} must match ${SCHEMA_NAME.source}`);
    this.name = "InvalidSchemaNameError";
  }
}

/** The schema name quoted for SQL, after checking it is a plain identifier (at most 48 chars). */
export function quoteSchema(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) throw new InvalidSchemaNameError(schema);
  return `"${schema}"`;
}

/** The LISTEN/NOTIFY channel on which appends to this schema's log announce the new size. */
export function growthChannel(schema: string): string {
  quoteSchema(schema);
  return `${schema}_log_grown`;
}

/**
 * Idempotent DDL for one log. Run inside a transaction holding an advisory lock on the schema,
 * so that processes opening the same log at once do not race on CREATE ... IF NOT EXISTS.
 */
export function schemaDdl(schema: string): string {
  const s = quoteSchema(schema);
  return `
CREATE SCHEMA IF NOT EXISTS ${s};
CREATE TABLE IF NOT EXISTS ${s}.log_head (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  size bigint NOT NULL CHECK (size >= 0)
);
INSERT INTO ${s}.log_head (singleton, size) VALUES (true, 0) ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS ${s}.entries (
  idx bigint PRIMARY KEY CHECK (idx >= 0),
  data bytea NOT NULL
);
CREATE TABLE IF NOT EXISTS ${s}.tiles (
  level smallint NOT NULL CHECK (level >= 0),
  idx bigint NOT NULL CHECK (idx >= 0),
  width smallint NOT NULL CHECK (width BETWEEN 1 AND 256),
  data bytea NOT NULL CHECK (length(data) = 32 * width),
  PRIMARY KEY (level, idx)
);
CREATE TABLE IF NOT EXISTS ${s}.checkpoints (
  size bigint PRIMARY KEY CONSTRAINT checkpoints_size_check CHECK (size >= 0),
  note bytea NOT NULL
);
-- Tables made before the empty log's checkpoint (size 0) was stored refused it.
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = '${s}.checkpoints'::regclass
             AND conname = 'checkpoints_size_check' AND pg_get_constraintdef(oid) LIKE '%> 0%') THEN
    ALTER TABLE ${s}.checkpoints DROP CONSTRAINT checkpoints_size_check;
    ALTER TABLE ${s}.checkpoints ADD CONSTRAINT checkpoints_size_check CHECK (size >= 0);
  END IF;
END $$;
CREATE TABLE IF NOT EXISTS ${s}.schema_version (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  version integer NOT NULL
);
INSERT INTO ${s}.schema_version (singleton, version) VALUES (true, 1) ON CONFLICT DO NOTHING;
-- The derived tables (state.ts): one row per (table id, key), the current state.
CREATE TABLE IF NOT EXISTS ${s}.state_rows (
  tbl smallint NOT NULL,
  key bytea NOT NULL,
  value bytea NOT NULL,
  PRIMARY KEY (tbl, key)
);
-- The state map's nodes by position (pathBytes) and version; a read at version v takes the
-- greatest version <= v.
CREATE TABLE IF NOT EXISTS ${s}.map_nodes (
  path bytea NOT NULL,
  version bigint NOT NULL CHECK (version >= 0),
  node bytea NOT NULL,
  PRIMARY KEY (path, version)
);
-- The map's leaf values by map key and version; a read names the key and the value's hash.
CREATE TABLE IF NOT EXISTS ${s}.map_values (
  key bytea NOT NULL,
  version bigint NOT NULL CHECK (version >= 0),
  hash bytea NOT NULL,
  value bytea NOT NULL,
  PRIMARY KEY (key, version)
);
-- Layout 2's indexes: the journals below took the version ones' place, reads by key the hash one's.
DROP INDEX IF EXISTS ${s}.map_nodes_by_version;
DROP INDEX IF EXISTS ${s}.map_values_by_hash;
DROP INDEX IF EXISTS ${s}.map_values_by_version;
-- The write journals: the positions and keys each map version wrote, until a prune whose floor
-- reaches that version has looked at them (and deletes them). A prune needs only the versions
-- written since the last one; an index by version would hold every version ever kept.
CREATE TABLE IF NOT EXISTS ${s}.map_node_writes (
  version bigint NOT NULL,
  path bytea NOT NULL,
  PRIMARY KEY (version, path)
);
CREATE TABLE IF NOT EXISTS ${s}.map_value_writes (
  version bigint NOT NULL,
  key bytea NOT NULL,
  PRIMARY KEY (version, key)
);
-- Whether the state reflects the log (rebuild 0), needs a rebuild (1) or is being rebuilt (2),
-- the oldest map version kept, the newest rebuild's token (raised by each beginRebuild; 0
-- before any), and when that rebuild's last step ran, by the server's clock (NULL before any).
CREATE TABLE IF NOT EXISTS ${s}.state_meta (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  rebuild smallint NOT NULL CHECK (rebuild IN (0, 1, 2)),
  map_floor bigint NOT NULL CHECK (map_floor >= 0),
  rebuild_token bigint NOT NULL DEFAULT 0 CHECK (rebuild_token >= 0),
  rebuild_stepped_at timestamptz
);
-- Made beside an existing log (an upgrade), the empty tables do not reflect it.
INSERT INTO ${s}.state_meta (singleton, rebuild, map_floor)
  SELECT true, CASE WHEN size > 0 THEN 1 ELSE 0 END, 0 FROM ${s}.log_head ON CONFLICT DO NOTHING;
`;
}

/**
 * After schemaDdl, in the same transaction: refuses a schema of a newer layout than this
 * program's, and records this one's.
 */
export function checkSchemaVersion(schema: string): string {
  const s = quoteSchema(schema);
  return `
DO $$ BEGIN
  IF (SELECT version FROM ${s}.schema_version) > ${POSTGRES_SCHEMA_VERSION} THEN
    RAISE EXCEPTION 'postgres store: schema ${schema} has layout version %, newer than this program''s ${POSTGRES_SCHEMA_VERSION}',
      (SELECT version FROM ${s}.schema_version);
  END IF;
END $$;
-- From layout 2, whose prunes found what was written above the floor by an index: the journals.
DO $$ BEGIN
  IF (SELECT version FROM ${s}.schema_version) = 2 THEN
    INSERT INTO ${s}.map_node_writes (version, path)
      SELECT version, path FROM ${s}.map_nodes WHERE version > (SELECT map_floor FROM ${s}.state_meta);
    INSERT INTO ${s}.map_value_writes (version, key)
      SELECT version, key FROM ${s}.map_values WHERE version > (SELECT map_floor FROM ${s}.state_meta);
  END IF;
END $$;
-- From layouts 2 and 3, whose state_meta had no rebuild token (layout 1 had no state_meta: the
-- DDL just made it whole): 0, as before any rebuild. A rebuild an older program left unfinished
-- has no token to go on with; the next beginRebuild starts afresh.
DO $$ BEGIN
  IF (SELECT version FROM ${s}.schema_version) IN (2, 3) THEN
    ALTER TABLE ${s}.state_meta ADD COLUMN rebuild_token bigint NOT NULL DEFAULT 0 CHECK (rebuild_token >= 0);
  END IF;
END $$;
-- From layouts 2 to 4, whose state_meta had no step time: none recorded. A rebuild an older
-- program left marked reads as one that stopped stepping, which the next start-up takes over.
DO $$ BEGIN
  IF (SELECT version FROM ${s}.schema_version) IN (2, 3, 4) THEN
    ALTER TABLE ${s}.state_meta ADD COLUMN rebuild_stepped_at timestamptz;
  END IF;
END $$;
UPDATE ${s}.schema_version SET version = ${POSTGRES_SCHEMA_VERSION} WHERE version < ${POSTGRES_SCHEMA_VERSION};
`;
}
