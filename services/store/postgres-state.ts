// The PostgreSQL store's state tables (state.ts; tables in postgres-schema.ts). An append writes
// its state part in the same statement as its entries (stateWriteCtes, spliced into the append's
// compare-and-set); each read is one statement, so one snapshot; pruning and the rebuild steps
// are one transaction each, a rebuild step holding the head row's lock so no append interleaves.
import type pg from "pg";
import { checkCount } from "./checks.js";
import { bytes, toSize, unavailable } from "./postgres-rows.js";
import { REBUILD_IN_STEP, REBUILDING } from "./postgres-schema.js";
import { InvalidWriteError, SizeConflictError, StoreUnavailableError } from "./port.js";
import {
  checkLeaves,
  checkPaths,
  checkReadCount,
  checkRebuildToken,
  checkScanLimit,
  checkStateWrite,
  guardRebuildToken,
  keyBytes,
  notRebuilding,
  tableId,
  type CheckedState,
} from "./state-checks.js";
import {
  MapVersionPrunedError,
  type MapLeaf,
  type RebuildToken,
  type StateKey,
  type StateRead,
  type StateScan,
  type StateStatus,
  type StateTable,
  type StateTables,
  type StateWrite,
} from "./state.js";

/** How many parameters stateWriteCtes takes (stateParams gives them in order). */
const STATE_PARAMS = 12;

/**
 * WITH-clause items (no leading or trailing comma) writing a state part given as parameters
 * $first .. $first + 11 (stateParams), each only where `condition` holds, with its map writes
 * noted in the journals for the next prune unless `journal` is false (a rebuild's part). Within
 * one part a key appears once (state-checks.ts), as ON CONFLICT needs.
 */
export function stateWriteCtes(s: string, first: number, condition: string, journal = true): string {
  const p = (i: number) => `$${first + i}`;
  const journals = `, snw AS (
        INSERT INTO ${s}.map_node_writes (version, path)
        SELECT * FROM unnest(${p(6)}::bigint[], ${p(5)}::bytea[]) WHERE ${condition}
        ON CONFLICT DO NOTHING
      ), svw AS (
        INSERT INTO ${s}.map_value_writes (version, key)
        SELECT * FROM unnest(${p(9)}::bigint[], ${p(8)}::bytea[]) WHERE ${condition}
        ON CONFLICT DO NOTHING
      )`;
  return `sr AS (
        INSERT INTO ${s}.state_rows (tbl, key, value)
        SELECT * FROM unnest(${p(0)}::smallint[], ${p(1)}::bytea[], ${p(2)}::bytea[]) WHERE ${condition}
        ON CONFLICT (tbl, key) DO UPDATE SET value = EXCLUDED.value
      ), sd AS (
        DELETE FROM ${s}.state_rows r USING unnest(${p(3)}::smallint[], ${p(4)}::bytea[]) AS d(tbl, key)
        WHERE r.tbl = d.tbl AND r.key = d.key AND ${condition}
      ), sn AS (
        INSERT INTO ${s}.map_nodes (path, version, node)
        SELECT * FROM unnest(${p(5)}::bytea[], ${p(6)}::bigint[], ${p(7)}::bytea[]) WHERE ${condition}
        ON CONFLICT (path, version) DO UPDATE SET node = EXCLUDED.node
      ), sv AS (
        INSERT INTO ${s}.map_values (key, version, hash, value)
        SELECT * FROM unnest(${p(8)}::bytea[], ${p(9)}::bigint[], ${p(10)}::bytea[], ${p(11)}::bytea[]) WHERE ${condition}
        ON CONFLICT (key, version) DO UPDATE SET hash = EXCLUDED.hash, value = EXCLUDED.value
      )${journal ? journals : ""}`;
}

/** The parameters of stateWriteCtes for `state` (empty arrays for none). */
export function stateParams(state: CheckedState | undefined): unknown[] {
  if (state === undefined) return Array.from({ length: STATE_PARAMS }, () => []);
  const upserts = state.rows.filter((r) => r.value !== null);
  const deletes = state.rows.filter((r) => r.value === null);
  return [
    upserts.map((r) => r.table),
    upserts.map((r) => r.key),
    upserts.map((r) => r.value),
    deletes.map((r) => r.table),
    deletes.map((r) => r.key),
    state.nodes.map((n) => n.path),
    state.nodes.map((n) => n.version),
    state.nodes.map((n) => n.node),
    state.values.map((v) => v.key),
    state.values.map((v) => v.version),
    state.values.map((v) => v.hash),
    state.values.map((v) => v.value),
  ];
}

const optional = (v: unknown) => (v === null || v === undefined ? undefined : bytes(v));

/** One statement on the pool, its failure as the port's error (PostgresStore's own query). */
export type PostgresQuery = <R extends pg.QueryResultRow>(
  operation: string,
  sql: string,
  params?: unknown[],
) => Promise<pg.QueryResult<R>>;

export class PostgresStateTables implements StateTables {
  constructor(
    private readonly pool: pg.Pool,
    /** The quoted schema. */
    private readonly s: string,
    private readonly query: PostgresQuery,
    private readonly checkOpen: () => void,
  ) {}

  async readState(table: StateTable, keys: readonly StateKey[]): Promise<StateRead> {
    this.checkOpen();
    const id = tableId(table);
    checkReadCount("keys", keys);
    // From the head row, so that no keys still answer the size.
    const result = await this.query<{ size: string; ord: string | null; value: Uint8Array | null }>(
      "readState",
      `SELECT h.size, k.ord, r.value FROM ${this.s}.log_head h
       LEFT JOIN unnest($2::bytea[]) WITH ORDINALITY AS k(key, ord) ON true
       LEFT JOIN ${this.s}.state_rows r ON r.tbl = $1 AND r.key = k.key
       ORDER BY k.ord`,
      [id, keys.map(keyBytes)],
    );
    const values: (Uint8Array | undefined)[] = new Array(keys.length).fill(undefined);
    for (const row of result.rows) if (row.ord !== null) values[Number(row.ord) - 1] = optional(row.value);
    return { size: toSize(result.rows[0]?.size), values };
  }

  async scanState(table: StateTable, after: StateKey | undefined, limit: number): Promise<StateScan> {
    this.checkOpen();
    const id = tableId(table);
    checkScanLimit(limit);
    const from = after === undefined ? null : keyBytes(after);
    // bytea compares bytewise, shorter first on a tie: the order the port asks. From the head
    // row, so that an empty page still answers the size.
    const result = await this.query<{ size: string; key: Uint8Array | null; value: Uint8Array | null }>(
      "scanState",
      `SELECT h.size, r.key, r.value FROM ${this.s}.log_head h
       LEFT JOIN LATERAL (SELECT key, value FROM ${this.s}.state_rows
         WHERE tbl = $1 AND ($2::bytea IS NULL OR key > $2::bytea) ORDER BY key LIMIT $3) r ON true
       ORDER BY r.key`,
      [id, from, limit],
    );
    const rows = [];
    for (const row of result.rows) if (row.key !== null) rows.push({ key: bytes(row.key), value: bytes(row.value) });
    return { size: toSize(result.rows[0]?.size), rows };
  }

  async readMapNodes(paths: readonly Uint8Array[], atVersion: number): Promise<(Uint8Array | undefined)[]> {
    this.checkOpen();
    checkPaths(paths);
    checkCount("atVersion", atVersion);
    const result = await this.query<{ floor: string; ord: string | null; node: Uint8Array | null }>(
      "readMapNodes",
      `SELECT m.map_floor AS floor, k.ord,
         (SELECT n.node FROM ${this.s}.map_nodes n WHERE n.path = k.path AND n.version <= $2
          ORDER BY n.version DESC LIMIT 1) AS node
       FROM ${this.s}.state_meta m LEFT JOIN unnest($1::bytea[]) WITH ORDINALITY AS k(path, ord) ON true
       ORDER BY k.ord`,
      [paths, atVersion],
    );
    const floor = toSize(result.rows[0]?.floor);
    if (atVersion < floor) throw new MapVersionPrunedError(atVersion, floor);
    const nodes: (Uint8Array | undefined)[] = new Array(paths.length).fill(undefined);
    for (const row of result.rows) if (row.ord !== null) nodes[Number(row.ord) - 1] = optional(row.node);
    return nodes;
  }

  async readMapValues(leaves: readonly MapLeaf[]): Promise<(Uint8Array | undefined)[]> {
    this.checkOpen();
    checkLeaves(leaves);
    if (leaves.length === 0) return [];
    const result = await this.query<{ ord: string; value: Uint8Array | null }>(
      "readMapValues",
      `SELECT k.ord, (SELECT v.value FROM ${this.s}.map_values v WHERE v.key = k.key AND v.hash = k.hash LIMIT 1) AS value
       FROM unnest($1::bytea[], $2::bytea[]) WITH ORDINALITY AS k(key, hash, ord)`,
      [leaves.map((l) => l.key), leaves.map((l) => l.hash)],
    );
    const values: (Uint8Array | undefined)[] = new Array(leaves.length).fill(undefined);
    for (const row of result.rows) values[Number(row.ord) - 1] = optional(row.value);
    return values;
  }

  async pruneMap(floor: number): Promise<void> {
    this.checkOpen();
    checkCount("floor", floor);
    await this.transaction("pruneMap", async (client) => {
      // The meta row's lock serialises prunes and rebuilds.
      const meta = await client.query<{ map_floor: string }>(`SELECT map_floor FROM ${this.s}.state_meta FOR UPDATE`);
      const old = toSize(meta.rows[0]?.map_floor);
      if (floor <= old) return;
      const size = toSize((await client.query<{ size: string }>(`SELECT size FROM ${this.s}.log_head`)).rows[0]?.size);
      if (floor > size) throw new RangeError(`store: map floor ${floor} is past the tree size ${size}`);
      // Only positions (keys) written in (old floor, new floor], the journal's rows up to the new
      // floor, can have a version newly superseded at or below it: pruning costs what was
      // written since the last one. The journal's rows it looked at go.
      for (const [table, journal, column] of [
        ["map_nodes", "map_node_writes", "path"],
        ["map_values", "map_value_writes", "key"],
      ] as const) {
        await client.query(
          `DELETE FROM ${this.s}.${table} n WHERE n.version < $1
             AND n.${column} IN (SELECT ${column} FROM ${this.s}.${journal} WHERE version <= $1)
             AND EXISTS (SELECT 1 FROM ${this.s}.${table} m
                         WHERE m.${column} = n.${column} AND m.version > n.version AND m.version <= $1)`,
          [floor],
        );
        await client.query(`DELETE FROM ${this.s}.${journal} WHERE version <= $1`, [floor]);
      }
      await client.query(`UPDATE ${this.s}.state_meta SET map_floor = $1`, [floor]);
    });
  }

  async status(): Promise<StateStatus> {
    // The step's age by the server's clock, which recorded the step: never this machine's.
    const result = await this.query<{
      size: string;
      rebuild: number;
      map_floor: string;
      rebuild_token: string;
      step_age_ms: number | null;
    }>(
      "status",
      `SELECT h.size, m.rebuild, m.map_floor, m.rebuild_token,
         (extract(epoch FROM clock_timestamp() - m.rebuild_stepped_at) * 1000)::float8 AS step_age_ms
       FROM ${this.s}.log_head h, ${this.s}.state_meta m`,
    );
    const row = result.rows[0];
    return {
      size: toSize(row?.size),
      rebuildNeeded: row?.rebuild !== REBUILD_IN_STEP,
      mapFloor: toSize(row?.map_floor),
      rebuildToken: toSize(row?.rebuild_token),
      rebuildUnderWay: row?.rebuild === REBUILDING,
      rebuildStepAgeMs: row?.step_age_ms ?? undefined,
    };
  }

  async beginRebuild(expectedSize: number): Promise<RebuildToken> {
    return this.rebuildStep("beginRebuild", undefined, expectedSize, async (client) => {
      await client.query(
        `DELETE FROM ${this.s}.state_rows; DELETE FROM ${this.s}.map_nodes; DELETE FROM ${this.s}.map_values;
         DELETE FROM ${this.s}.map_node_writes; DELETE FROM ${this.s}.map_value_writes`,
      );
      const meta = await client.query<{ rebuild_token: string }>(
        `UPDATE ${this.s}.state_meta SET rebuild = ${REBUILDING}, map_floor = 0, rebuild_token = rebuild_token + 1
         RETURNING rebuild_token`,
      );
      return toSize(meta.rows[0]?.rebuild_token) as RebuildToken;
    });
  }

  async writeRebuild(token: RebuildToken, expectedSize: number, part: StateWrite): Promise<void> {
    checkRebuildToken(token);
    checkCount("expectedSize", expectedSize);
    const state = checkStateWrite(part, 0, expectedSize);
    const empty = state.rows.length + state.nodes.length + state.values.length === 0;
    await this.rebuildStep("writeRebuild", token, expectedSize, async (client) => {
      // A heartbeat (an empty part) is the step alone.
      if (empty) return;
      // A rebuild writes the newest map only: no version of it supersedes another.
      await client.query(`WITH ${stateWriteCtes(this.s, 1, "true", false)} SELECT 1`, stateParams(state));
    });
  }

  async finishRebuild(token: RebuildToken, expectedSize: number): Promise<void> {
    checkRebuildToken(token);
    await this.rebuildStep("finishRebuild", token, expectedSize, async (client) => {
      // One scan of the node table, once a rebuild: cheaper than journalling every node it wrote.
      await client.query(
        `UPDATE ${this.s}.state_meta SET rebuild = ${REBUILD_IN_STEP},
           map_floor = (SELECT coalesce(max(version), 0) FROM ${this.s}.map_nodes)`,
      );
    });
  }

  /**
   * A rebuild step: one transaction holding the head row (appends and other rebuild steps wait),
   * guarded in the port's order: the rebuild's `token` (undefined for beginRebuild) against the
   * newest, a rebuild under way, then the tree at `expectedSize`. Records when it ran.
   */
  private async rebuildStep<T>(
    operation: string,
    token: RebuildToken | undefined,
    expectedSize: number,
    fn: (client: pg.PoolClient) => Promise<T>,
  ): Promise<T> {
    this.checkOpen();
    checkCount("expectedSize", expectedSize);
    return this.transaction(operation, async (client) => {
      const head = await client.query<{ size: string }>(`SELECT size FROM ${this.s}.log_head FOR UPDATE`);
      if (token !== undefined) {
        const meta = await client.query<{ rebuild: number; rebuild_token: string }>(
          `SELECT rebuild, rebuild_token FROM ${this.s}.state_meta FOR UPDATE`,
        );
        guardRebuildToken(token, toSize(meta.rows[0]?.rebuild_token));
        if (meta.rows[0]?.rebuild !== REBUILDING) throw notRebuilding();
      }
      const size = toSize(head.rows[0]?.size);
      if (size !== expectedSize) throw new SizeConflictError(expectedSize, size);
      const result = await fn(client);
      // When the step ran, by the server's clock (status measures the age with the same clock).
      await client.query(`UPDATE ${this.s}.state_meta SET rebuild_stepped_at = clock_timestamp()`);
      return result;
    });
  }

  /** Runs `fn` in one transaction with durable commit; any failure rolls it back. */
  private async transaction<T>(operation: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient | undefined;
    let broken: Error | undefined;
    const onClientError = (err: Error) => {
      broken = err;
    };
    try {
      client = await this.pool.connect();
      client.on("error", onClientError);
      await client.query("BEGIN; SET LOCAL synchronous_commit = on");
      let result: T;
      try {
        result = await fn(client);
      } catch (err) {
        await client.query("ROLLBACK");
        throw err;
      }
      await client.query("COMMIT");
      return result;
    } catch (err) {
      const typed =
        err instanceof SizeConflictError ||
        err instanceof InvalidWriteError ||
        err instanceof RangeError ||
        err instanceof StoreUnavailableError;
      if (!typed) broken ??= err instanceof Error ? err : new Error(String(err));
      throw unavailable(operation, err);
    } finally {
      client?.removeListener("error", onClientError);
      client?.release(broken);
    }
  }
}
