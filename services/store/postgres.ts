// The LogStore on PostgreSQL (`pg`): for operators whose registry must outlive one machine, on a
// database with standard replication. Entries, tiles and the checkpoint of a batch commit in one
// transaction whose first statement is the compare-and-set on log_head (see postgres-schema.ts),
// so the database, not this process, decides which of several racing writers wins.
//
// Failure is prompt: connecting, each statement, and each round trip are bounded by timeouts, and
// every database failure surfaces as StoreUnavailableError, so the registry can answer
// UNAVAILABLE at once. The pool replaces broken connections on demand, so the same instance works
// again as soon as the server is back.
import pg from "pg";
import { checkBatch, checkBatchState, checkCount, checkNote } from "./checks.js";
import { GrowthFollower } from "./postgres-growth.js";
import { PostgresStateTables, stateParams, stateWriteCtes } from "./postgres-state.js";
import { bytes, toSize, unavailable } from "./postgres-rows.js";
import { checkSchemaVersion, growthChannel, quoteSchema, REBUILD_IN_STEP, schemaDdl } from "./postgres-schema.js";
import {
  SizeConflictError,
  StateRebuildingError,
  StoreUnavailableError,
  type AppendBatch,
  type LogStore,
  type StoredCheckpoint,
  type TileWrite,
} from "./port.js";

export interface PostgresStoreOptions {
  /** e.g. postgresql://user@host:5432/db (any libpq-style URL `pg` accepts). */
  connectionString: string;
  /** The schema holding this log's tables (created if missing). Default "labelreg". */
  schema?: string;
  /** Give up connecting after this long. Default 2000 ms. */
  connectTimeoutMillis?: number;
  /**
   * Server-side bound on each statement (also on waiting for the head row's lock), and, plus
   * a second, the client-side bound on each round trip for a server that stopped answering.
   * Default 5000 ms.
   */
  statementTimeoutMillis?: number;
  /** Connections in the pool. Default 10. */
  poolSize?: number;
  /** Poll for growth this often while someone waits, in case a notification was lost. Default 1000 ms. */
  pollIntervalMillis?: number;
}

/**
 * Opens (creating if needed, idempotently) the log in `schema`. Rejects with
 * StoreUnavailableError if the database cannot be reached.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const schema = options.schema ?? "labelreg";
  quoteSchema(schema);
  const statementTimeout = options.statementTimeoutMillis ?? 5000;
  const clientConfig: pg.ClientConfig = {
    connectionString: options.connectionString,
    connectionTimeoutMillis: options.connectTimeoutMillis ?? 2000,
    statement_timeout: statementTimeout,
    query_timeout: statementTimeout + 1000,
    // A writer paused mid-transaction must not hold the head row's lock for long.
    idle_in_transaction_session_timeout: statementTimeout * 2,
    keepAlive: true,
  };
  const pool = new pg.Pool({ ...clientConfig, max: options.poolSize ?? 10 });
  // Idle connections die with the server; without a listener that is an uncaught exception.
  pool.on("error", () => undefined);
  try {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query("BEGIN");
      // Serialises processes creating the same log at once; released at COMMIT.
      await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`labelreg.schema.${schema}`]);
      await client.query(schemaDdl(schema));
      await client.query(checkSchemaVersion(schema));
      await client.query("COMMIT");
      const setting = await client.query<{ sc: string }>("SELECT current_setting('synchronous_commit') AS sc");
      const durableCommits = setting.rows[0]?.sc !== "off";
      return new PostgresStore(pool, schema, clientConfig, durableCommits, options.pollIntervalMillis ?? 1000);
    } catch (err) {
      broken = err instanceof Error ? err : new Error(String(err));
      throw err;
    } finally {
      client.release(broken);
    }
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw unavailable("open", err);
  }
}

/** One row per (level, index), the widest: ON CONFLICT cannot touch a row twice in one statement. */
function widestTiles(tiles: readonly TileWrite[]): TileWrite[] {
  const byKey = new Map<string, TileWrite>();
  for (const tile of tiles) {
    const key = `${tile.level}/${tile.index}`;
    const seen = byKey.get(key);
    if (seen === undefined || seen.width < tile.width) byKey.set(key, tile);
  }
  return [...byKey.values()];
}

export class PostgresStore implements LogStore {
  private readonly s: string;
  private readonly channel: string;
  private readonly appendSql: string;
  private readonly growth: GrowthFollower;
  private closed = false;
  readonly state: PostgresStateTables;

  /** Use openPostgresStore. */
  constructor(
    private readonly pool: pg.Pool,
    readonly schema: string,
    clientConfig: pg.ClientConfig,
    private readonly durableCommits: boolean,
    pollIntervalMillis: number,
  ) {
    this.s = quoteSchema(schema);
    this.channel = growthChannel(schema);
    // The compare-and-set and every write of the batch, its state part included, in one statement (three round trips with
    // BEGIN and COMMIT, instead of six): each insert takes its rows only if the head moved, so a
    // lost compare-and-set writes nothing. The notification is delivered to listeners only if
    // and when the transaction commits. The empty log's checkpoint (no entries, size 0 to 0)
    // moves the head only while no checkpoint exists (a racing one inserts nothing: a conflict).
    // A batch with a state part ($22) also reads the state tables' rebuild mark, with a share
    // lock on the meta row taken after the head row's (the one-time EXISTS runs the head's
    // update first): the order a rebuild step takes them in, so no deadlock. A plain read would
    // see the statement's snapshot, from before a rebuild step that committed while this waited
    // for the head row; a lock reads the newest row version. A marked table makes append() roll
    // the whole transaction back.
    this.appendSql = `
      WITH head AS (
        UPDATE ${this.s}.log_head SET size = $2 WHERE size = $1
          AND ($2 > $1 OR NOT EXISTS (SELECT 1 FROM ${this.s}.checkpoints)) RETURNING size
      ), e AS (
        INSERT INTO ${this.s}.entries (idx, data)
        SELECT $1::bigint + ord - 1, data FROM unnest($3::bytea[]) WITH ORDINALITY AS t(data, ord)
        WHERE EXISTS (SELECT 1 FROM head)
      ), t AS (
        INSERT INTO ${this.s}.tiles (level, idx, width, data)
        SELECT * FROM unnest($4::smallint[], $5::bigint[], $6::smallint[], $7::bytea[])
        WHERE EXISTS (SELECT 1 FROM head)
        ON CONFLICT (level, idx) DO UPDATE SET width = EXCLUDED.width, data = EXCLUDED.data
        WHERE ${this.s}.tiles.width < EXCLUDED.width
      ), c AS (
        INSERT INTO ${this.s}.checkpoints (size, note) SELECT size, $8 FROM head ON CONFLICT DO NOTHING RETURNING size
      ), ${stateWriteCtes(this.s, 10, "EXISTS (SELECT 1 FROM head)")}, meta AS (
        SELECT rebuild FROM ${this.s}.state_meta WHERE $22::boolean AND EXISTS (SELECT 1 FROM head) FOR SHARE
      )
      SELECT (SELECT count(*)::int FROM c) AS moved, (SELECT rebuild FROM meta) AS rebuild,
        (SELECT pg_notify($9, size::text) FROM c) AS notified`;
    this.state = new PostgresStateTables(
      pool,
      this.s,
      (operation, sql, params) => this.query(operation, sql, params),
      () => this.checkOpen(),
    );
    this.growth = new GrowthFollower({
      newClient: () => new pg.Client(clientConfig),
      channel: this.channel,
      readSize: () => this.size(),
      pollIntervalMillis,
    });
  }

  /**
   * Durable once it resolves (the COMMIT returned, with synchronous_commit on). On a lost
   * compare-and-set: SizeConflictError, nothing written; likewise StateRebuildingError for a state
   * part while the state tables are marked for a rebuild. On StoreUnavailableError the batch was
   * not committed, except when the connection broke during COMMIT itself: then it may have been,
   * and a writer must re-read the size (its next append at the old size fails with a conflict).
   */
  async append(batch: AppendBatch): Promise<void> {
    this.checkOpen();
    const newSize = checkBatch(batch);
    const state = checkBatchState(batch, newSize);
    const tiles = widestTiles(batch.tiles);
    let client: pg.PoolClient | undefined;
    let broken: Error | undefined;
    // A checked-out connection has no pool error listener; one dying between statements must not crash us.
    const onClientError = (err: Error) => {
      broken = err;
    };
    try {
      client = await this.pool.connect();
      client.on("error", onClientError);
      // Never trust a server default of synchronous_commit=off with an acknowledged append.
      await client.query(this.durableCommits ? "BEGIN" : "BEGIN; SET LOCAL synchronous_commit = on");
      // The writes in one statement. BEGIN and COMMIT stay round trips of their own, so a
      // server that stops answering before the statement is sent has been given nothing to commit.
      const moved = await client.query<{ moved: number; rebuild: number | null }>({
        name: `labelreg-append-${this.schema}`,
        text: this.appendSql,
        values: [
          batch.expectedSize,
          newSize,
          batch.entries,
          tiles.map((t) => t.level),
          tiles.map((t) => t.index),
          tiles.map((t) => t.width),
          tiles.map((t) => t.data),
          batch.checkpoint,
          this.channel,
          ...stateParams(state),
          state !== undefined,
        ],
      });
      if (moved.rows[0]?.moved !== 1) {
        const actual = await client.query<{ size: string }>(`SELECT size FROM ${this.s}.log_head`);
        await client.query("ROLLBACK");
        throw new SizeConflictError(batch.expectedSize, toSize(actual.rows[0]?.size));
      }
      if (state !== undefined && moved.rows[0]?.rebuild !== REBUILD_IN_STEP) {
        await client.query("ROLLBACK");
        throw new StateRebuildingError();
      }
      await client.query("COMMIT");
    } catch (err) {
      if (!(err instanceof SizeConflictError || err instanceof StateRebuildingError))
        broken ??= err instanceof Error ? err : new Error(String(err));
      throw unavailable("append", err);
    } finally {
      client?.removeListener("error", onClientError);
      // A connection that failed mid-transaction is destroyed, never reused in an unknown state.
      client?.release(broken);
    }
    this.growth.observe(newSize);
  }

  async latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    const result = await this.query<{ size: string; note: Uint8Array }>(
      "latestCheckpoint",
      `SELECT c.size, c.note FROM ${this.s}.log_head h JOIN ${this.s}.checkpoints c ON c.size = h.size`,
    );
    const row = result.rows[0];
    return row === undefined ? undefined : { size: toSize(row.size), note: bytes(row.note) };
  }

  async updateCheckpointNote(size: number, note: Uint8Array): Promise<boolean> {
    this.checkOpen();
    checkCount("size", size);
    checkNote(note);
    // FOR SHARE waits for an append holding the head row, then sees its new size: an append
    // racing this update wins, and the update of a no-longer-latest checkpoint is refused.
    const result = await this.query(
      "updateCheckpointNote",
      `WITH h AS (SELECT size FROM ${this.s}.log_head FOR SHARE)
       UPDATE ${this.s}.checkpoints SET note = $2 WHERE size = $1 AND size = (SELECT size FROM h)`,
      [size, note],
    );
    return result.rowCount === 1;
  }

  async readEntries(start: number, end: number): Promise<Uint8Array[]> {
    this.checkOpen();
    checkCount("start", start);
    checkCount("end", end);
    if (start > end) throw new RangeError(`store: range start ${start} is after its end ${end}`);
    if (start === end) {
      const size = await this.size();
      if (end > size) throw new RangeError(`store: range end ${end} exceeds the tree size ${size}`);
      return [];
    }
    // Entries exist only below the committed size (they commit with it), so a short answer
    // means the range runs past the end of the log.
    const result = await this.query<{ data: Uint8Array }>(
      "readEntries",
      `SELECT data FROM ${this.s}.entries WHERE idx >= $1 AND idx < $2 ORDER BY idx`,
      [start, end],
    );
    if (result.rows.length !== end - start) {
      const size = await this.size();
      throw new RangeError(`store: range end ${end} exceeds the tree size ${size}`);
    }
    return result.rows.map((row) => bytes(row.data));
  }

  async countEntriesFrom(index: number): Promise<number> {
    this.checkOpen();
    checkCount("index", index);
    const result = await this.query<{ n: string }>(
      "countEntriesFrom",
      `SELECT count(*) AS n FROM ${this.s}.entries WHERE idx >= $1`,
      [index],
    );
    return Number(result.rows[0]?.n ?? 0);
  }

  async readTile(level: number, index: number): Promise<TileWrite | undefined> {
    this.checkOpen();
    checkCount("level", level);
    checkCount("index", index);
    const result = await this.query<{ width: number; data: Uint8Array }>(
      "readTile",
      `SELECT width, data FROM ${this.s}.tiles WHERE level = $1 AND idx = $2`,
      [level, index],
    );
    const row = result.rows[0];
    return row === undefined ? undefined : { level, index, width: row.width, data: bytes(row.data) };
  }

  /**
   * Survives outages: while the database is down the wait goes on, and it resolves once the
   * database is back and has grown. Rejects with StoreUnavailableError if the store is closed,
   * and with `signal.reason` when `signal` aborts.
   */
  async waitForGrowth(size: number, signal?: AbortSignal): Promise<number> {
    this.checkOpen();
    checkCount("size", size);
    return this.growth.wait(size, signal);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
    // Rejects pending waits, last of all (see GrowthFollower.close).
    await this.growth.close();
  }

  /** The committed tree size. */
  async size(): Promise<number> {
    const result = await this.query<{ size: string }>("size", `SELECT size FROM ${this.s}.log_head`);
    return toSize(result.rows[0]?.size);
  }

  private checkOpen(): void {
    if (this.closed) throw new StoreUnavailableError("postgres store: closed");
  }

  private async query<R extends pg.QueryResultRow>(
    operation: string,
    sql: string,
    params: unknown[] = [],
  ): Promise<pg.QueryResult<R>> {
    this.checkOpen();
    try {
      return await this.pool.query<R>(sql, params);
    } catch (err) {
      throw unavailable(operation, err);
    }
  }
}
