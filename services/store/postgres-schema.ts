// The PostgreSQL store's tables, one schema per log so that one database can hold several logs.
//
// log_head holds exactly one row: the committed tree size. Every append moves it with
// `UPDATE ... SET size = new WHERE size = expected` inside the append's transaction, so the row
// lock serialises racing writers in the database itself, and the loser's re-checked WHERE finds
// the new size and updates nothing. The primary keys on entries and checkpoints are a second
// line: no index and no checkpoint size can ever be written twice.

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
`;
}
