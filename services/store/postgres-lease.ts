// The sequencer lease in PostgreSQL, in the log's own schema: one row (holder, fencing epoch,
// expiry on the database's clock), moved only by compare-and-set UPDATEs. Installing it also
// installs the fence: a trigger on log_head that lets an append commit only if the writing
// session names the current, unexpired holder (the `labelreg.sequencer` setting, which
// fencedConnectionString puts on every connection of the holder's store). The trigger reads the
// lease row FOR SHARE, so an acquisition waits for an append in flight and the append either
// commits under the old lease or fails: a paused leader that resumes after losing the lease never
// commits, whether or not anyone has written since.
import pg from "pg";
import { quoteSchema, schemaDdl } from "./postgres-schema.js";
import { StoreUnavailableError } from "./port.js";
import type { LeaseGrant, SequencerLease } from "./lease.js";

/** SQLSTATE the fence raises; the store reports it as StoreUnavailableError naming it. */
export const LEASE_FENCE_SQLSTATE = "LR001";
const HOLDER = /^[A-Za-z0-9_.-]{1,60}$/;

export interface PostgresLeaseOptions {
  readonly connectionString: string;
  /** The log's schema (as for openPostgresStore). Default "labelreg". */
  readonly schema?: string;
  readonly holder: string;
  /** How long a grant lasts without renewal. Default 3000 ms. */
  readonly ttlMillis?: number;
  /** Bound on each lease statement. Default 1000 ms. */
  readonly statementTimeoutMillis?: number;
}

/** The DDL of the lease and its fence; idempotent. */
export function leaseDdl(schema: string): string {
  const s = quoteSchema(schema);
  return `
CREATE TABLE IF NOT EXISTS ${s}.sequencer_lease (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  holder text,
  epoch bigint NOT NULL,
  expires_at timestamptz NOT NULL
);
INSERT INTO ${s}.sequencer_lease (singleton, holder, epoch, expires_at) VALUES (true, NULL, 0, '-infinity') ON CONFLICT DO NOTHING;
CREATE OR REPLACE FUNCTION ${s}.sequencer_fence() RETURNS trigger LANGUAGE plpgsql AS $fence$
DECLARE
  l record;
BEGIN
  SELECT holder, epoch, expires_at INTO l FROM ${s}.sequencer_lease FOR SHARE;
  IF l.holder IS NULL OR l.holder IS DISTINCT FROM current_setting('labelreg.sequencer', true) OR l.expires_at <= clock_timestamp() THEN
    RAISE EXCEPTION 'labelreg: this session does not hold the sequencer lease (holder %, epoch %)', coalesce(l.holder, 'none'), l.epoch
      USING ERRCODE = '${LEASE_FENCE_SQLSTATE}';
  END IF;
  RETURN NEW;
END
$fence$;
CREATE OR REPLACE TRIGGER sequencer_fence BEFORE UPDATE ON ${s}.log_head FOR EACH ROW EXECUTE FUNCTION ${s}.sequencer_fence();
`;
}

/** `url` with the session setting that names `holder` to the fence on every connection. */
export function fencedConnectionString(url: string, holder: string): string {
  if (!HOLDER.test(holder))
    throw new RangeError(`postgres lease: holder id ${JSON.stringify(holder)} must match ${HOLDER.source}`);
  const u = new URL(url);
  const options = [u.searchParams.get("options"), `-c labelreg.sequencer=${holder}`].filter(Boolean).join(" ");
  u.searchParams.set("options", options);
  return u.toString();
}

/** Creates the lease and its fence in `schema` (and the log's tables, if missing). */
export async function openPostgresLease(options: PostgresLeaseOptions): Promise<SequencerLease> {
  const schema = options.schema ?? "labelreg";
  const s = quoteSchema(schema);
  if (!HOLDER.test(options.holder))
    throw new RangeError(`postgres lease: bad holder id ${JSON.stringify(options.holder)}`);
  const ttl = options.ttlMillis ?? 3000;
  if (!(ttl >= 500)) throw new RangeError("postgres lease: ttlMillis must be at least 500");
  const timeout = options.statementTimeoutMillis ?? 1000;
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: 2,
    connectionTimeoutMillis: timeout,
    statement_timeout: timeout,
    query_timeout: timeout + 500,
  });
  pool.on("error", () => undefined);
  try {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      // The same lock the store takes to create the schema: the two never race.
      await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`labelreg.schema.${schema}`]);
      await client.query(schemaDdl(schema));
      await client.query(leaseDdl(schema));
      await client.query("COMMIT");
    } catch (e) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw new StoreUnavailableError(`postgres lease: cannot install: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }

  const holder = options.holder;
  // A grant is valid locally until ttl after the request started, less 10% for clock drift.
  const grant = (epoch: string, started: number): LeaseGrant => ({
    holder,
    epoch: Number(epoch),
    validUntil: started + ttl * 0.9,
  });
  const run = async (sql: string, params: unknown[]) => {
    try {
      return await pool.query<{ epoch: string }>(sql, params);
    } catch (e) {
      throw new StoreUnavailableError(`postgres lease: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  };
  let closed = false;
  return {
    holder,
    ttlMillis: ttl,
    async acquire() {
      const started = performance.now();
      // Free or expired: take it with a new epoch. Ours and live: extend it, same epoch.
      const r = await run(
        `UPDATE ${s}.sequencer_lease SET
           epoch = CASE WHEN holder = $1 AND expires_at > clock_timestamp() THEN epoch ELSE epoch + 1 END,
           holder = $1,
           expires_at = clock_timestamp() + make_interval(secs => $2::double precision / 1000)
         WHERE holder IS NULL OR holder = $1 OR expires_at <= clock_timestamp()
         RETURNING epoch`,
        [holder, ttl],
      );
      const row = r.rows[0];
      return row && grant(row.epoch, started);
    },
    async renew(g) {
      const started = performance.now();
      const r = await run(
        `UPDATE ${s}.sequencer_lease SET expires_at = clock_timestamp() + make_interval(secs => $3::double precision / 1000)
         WHERE holder = $1 AND epoch = $2 AND expires_at > clock_timestamp()
         RETURNING epoch`,
        [holder, g.epoch, ttl],
      );
      const row = r.rows[0];
      return row && grant(row.epoch, started);
    },
    async release(g) {
      await run(
        `UPDATE ${s}.sequencer_lease SET holder = NULL, expires_at = clock_timestamp() WHERE holder = $1 AND epoch = $2 RETURNING epoch`,
        [holder, g.epoch],
      );
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end().catch(() => undefined);
    },
  };
}
