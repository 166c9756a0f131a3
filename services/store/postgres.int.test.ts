// The PostgreSQL store on a throwaway cluster of its own (test/postgres.ts): the shared contract,
// then what only a shared database can show: racing writers in separate pools, a server that
// dies and comes back, durability across a crash, and followers in other processes' shoes.
import { createServer, type AddressInfo } from "node:net";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { elapsed } from "../../test/elapsed.js";
import { usePostgres } from "../../test/postgres.js";
import { describeLogStoreContract } from "../../test/store/contract.js";
import { openPostgresStore, type PostgresStore, type PostgresStoreOptions } from "./postgres.js";
import { InvalidSchemaNameError, POSTGRES_SCHEMA_VERSION } from "./postgres-schema.js";
import { SizeConflictError, StoreUnavailableError } from "./port.js";
import { syntheticBatch, syntheticEntry, syntheticNote } from "../../test/store/synthetic.js";
import { expectRebuildAfterUpgrade } from "../../test/store/upgrade.js";

const cluster = usePostgres();
let database = "";
let schemas = 0;
beforeAll(async () => {
  database = await cluster().createDatabase("store");
});

/** A store on a fresh schema (or on `schema`, to share a log between instances). */
function open(options: Partial<PostgresStoreOptions> = {}): Promise<PostgresStore> {
  return openPostgresStore({ connectionString: database, schema: `log_${++schemas}`, ...options });
}

/** Runs `sql` on its own connection. */
/** Runs `sql` on a connection of its own; resolves with the last statement's rows. */
async function execute(sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: database });
  await client.connect();
  try {
    const result = await client.query(sql);
    return (Array.isArray(result) ? result.at(-1) : result).rows;
  } finally {
    await client.end();
  }
}

// Each contract test gets a fresh schema in this file's database, dropped afterwards.
describeLogStoreContract("postgres", async () => {
  const schema = `contract_${++schemas}`;
  return {
    open: () => openPostgresStore({ connectionString: database, schema }),
    cleanup: async () => {
      await execute(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    },
  };
});

describe("PostgresStore: compare-and-set enforced by the database", () => {
  it("two instances (two pools) racing at the same size: exactly one wins each round, the loser writes nothing", async () => {
    const a = await open();
    const b = await openPostgresStore({ connectionString: database, schema: a.schema });
    try {
      let size = 0;
      for (let round = 0; round < 40; round++) {
        const count = 1 + (round % 5);
        const [ra, rb] = await Promise.allSettled([
          a.append(syntheticBatch("a", size, count, { tileSalt: "a" })),
          b.append(syntheticBatch("b", size, count, { tileSalt: "b" })),
        ]);
        const won = [ra, rb].filter((r) => r.status === "fulfilled");
        const lost = [ra, rb].filter((r) => r.status === "rejected");
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(1);
        expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(SizeConflictError);
        const winner = ra.status === "fulfilled" ? "a" : "b";
        size += count;
        // Everything at this size is the winner's, read through either instance.
        const entries = await b.readEntries(size - count, size);
        expect(entries).toEqual(syntheticBatch(winner, size - count, count).entries);
        expect((await a.latestCheckpoint())?.note).toEqual(syntheticNote(winner, size));
      }
      // No tile byte from a loser: each (level, index) holds the bytes of whoever widened it last.
      const tile = await a.readTile(0, 0);
      expect(tile?.width).toBe(Math.min(size, 256));
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("four instances racing many rounds never commit two checkpoints for one size", async () => {
    const first = await open();
    const stores = [
      first,
      ...(await Promise.all(
        [1, 2, 3].map(() => openPostgresStore({ connectionString: database, schema: first.schema })),
      )),
    ];
    try {
      const acknowledged = new Map<number, string>();
      await Promise.all(
        stores.map(async (store, w) => {
          for (let i = 0; i < 30; i++) {
            const size = (await store.latestCheckpoint())?.size ?? 0;
            try {
              await store.append(syntheticBatch(`w${w}`, size, 1 + (i % 3)));
              const newSize = size + 1 + (i % 3);
              expect(acknowledged.has(newSize)).toBe(false);
              acknowledged.set(newSize, `w${w}`);
            } catch (err) {
              expect(err).toBeInstanceOf(SizeConflictError);
            }
          }
        }),
      );
      // Every acknowledged append is in the log with its writer's bytes.
      const size = (await first.latestCheckpoint())!.size;
      const entries = await first.readEntries(0, size);
      const sizes = [...acknowledged.keys()].sort((x, y) => x - y);
      expect(sizes.at(-1)).toBe(size);
      let prev = 0;
      for (const s of sizes) {
        const writer = acknowledged.get(s)!;
        for (let i = prev; i < s; i++) expect(entries[i]).toEqual(syntheticEntry(writer, i));
        prev = s;
      }
      expect(prev).toBe(size);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it("a stale append loses and leaves entries, tiles and checkpoint exactly as they were", async () => {
    const store = await open();
    try {
      await store.append(syntheticBatch("w", 0, 300, { tileSalt: "first" }));
      const before = {
        cp: await store.latestCheckpoint(),
        tile: await store.readTile(0, 1),
        entries: await store.readEntries(0, 300),
      };
      const err = await store.append(syntheticBatch("late", 0, 400, { tileSalt: "late" })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SizeConflictError);
      expect(err).toMatchObject({ expectedSize: 0, actualSize: 300 });
      expect(await store.latestCheckpoint()).toEqual(before.cp);
      expect(await store.readTile(0, 1)).toEqual(before.tile);
      expect(await store.readEntries(0, 300)).toEqual(before.entries);
      await expect(store.readEntries(0, 301)).rejects.toBeInstanceOf(RangeError);
    } finally {
      await store.close();
    }
  });
});

describe("PostgresStore: schemas", () => {
  it("creates its schema idempotently, also when several processes open the same new log at once", async () => {
    const schema = `shared_${++schemas}`;
    const stores = await Promise.all([0, 1, 2, 3].map(() => openPostgresStore({ connectionString: database, schema })));
    await stores[0]!.append(syntheticBatch("w", 0, 3));
    const again = await openPostgresStore({ connectionString: database, schema });
    expect((await again.latestCheckpoint())?.size).toBe(3);
    await Promise.all([...stores, again].map((s) => s.close()));
  });

  it("keeps logs in different schemas of one database apart", async () => {
    const a = await open();
    const b = await open();
    await a.append(syntheticBatch("a", 0, 2));
    expect(await b.latestCheckpoint()).toBeUndefined();
    await b.append(syntheticBatch("b", 0, 5));
    expect((await a.latestCheckpoint())?.size).toBe(2);
    await a.close();
    await b.close();
  });

  it("upgrades a log of the layout before the state tables: empty tables marked as needing a rebuild", async () => {
    const schema = `old_${++schemas}`;
    // The tables as the previous layout made them, with a log of two entries.
    await execute(`CREATE SCHEMA ${schema};
      CREATE TABLE ${schema}.log_head (singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), size bigint NOT NULL);
      INSERT INTO ${schema}.log_head VALUES (true, 2);
      CREATE TABLE ${schema}.entries (idx bigint PRIMARY KEY, data bytea NOT NULL);
      INSERT INTO ${schema}.entries VALUES (0, '\\x00'), (1, '\\x01');
      CREATE TABLE ${schema}.tiles (level smallint NOT NULL, idx bigint NOT NULL, width smallint NOT NULL, data bytea NOT NULL, PRIMARY KEY (level, idx));
      CREATE TABLE ${schema}.checkpoints (size bigint PRIMARY KEY CONSTRAINT checkpoints_size_check CHECK (size >= 0), note bytea NOT NULL);
      INSERT INTO ${schema}.checkpoints VALUES (2, '\\x32');`);
    const store = await openPostgresStore({ connectionString: database, schema });
    try {
      expect(await store.state.status()).toMatchObject({ size: 2, rebuildNeeded: true, mapFloor: 0 });
      expect(await store.readEntries(0, 2)).toEqual([new Uint8Array([0]), new Uint8Array([1])]);
      await store.state.finishRebuild(await store.state.beginRebuild(2), 2);
    } finally {
      await store.close();
    }
    const again = await openPostgresStore({ connectionString: database, schema });
    expect(await again.state.status()).toMatchObject({ size: 2, rebuildNeeded: false, mapFloor: 0 });
    await again.close();
    // A new log needs none.
    const fresh = await open();
    expect(await fresh.state.status()).toMatchObject({ size: 0, rebuildNeeded: false, mapFloor: 0 });
    await fresh.close();
  });

  it("upgrades a log of layout 2 (map tables indexed by hash and version): pending prunes carry over", async () => {
    const store = await open();
    const key = new Uint8Array(32).fill(1);
    const valueAt = (v: number) => ({ bytes: new Uint8Array([v]), hash: new Uint8Array(32).fill(v) });
    const [v1, v3] = [valueAt(1), valueAt(3)];
    const path = new Uint8Array([0]);
    for (const [at, version, v] of [
      [0, 1, v1],
      [2, 3, v3],
    ] as const) {
      await store.append({
        ...syntheticBatch("a", at, 2),
        state: {
          nodes: [{ path, version, node: new Uint8Array([version, version]) }],
          values: [{ key, version, hash: v.hash, value: v.bytes }],
        },
      });
    }
    await store.close();
    const s = `"${store.schema}"`;
    // Layout 2's indexes instead of the journals.
    await execute(`DROP TABLE ${s}.map_node_writes; DROP TABLE ${s}.map_value_writes;
      CREATE INDEX map_nodes_by_version ON ${s}.map_nodes (version);
      CREATE INDEX map_values_by_hash ON ${s}.map_values (hash);
      CREATE INDEX map_values_by_version ON ${s}.map_values (version);
      ALTER TABLE ${s}.state_meta DROP COLUMN rebuild_token, DROP COLUMN rebuild_stepped_at;
      UPDATE ${s}.schema_version SET version = 2`);
    const again = await openPostgresStore({ connectionString: database, schema: store.schema });
    try {
      const leaves = [v1, v3].map((v) => ({ key, hash: v.hash }));
      expect(await again.state.readMapValues(leaves)).toEqual([v1.bytes, v3.bytes]);
      // Versions written before the upgrade are pruned like any others.
      await again.state.pruneMap(3);
      expect(await again.state.readMapValues(leaves)).toEqual([undefined, v3.bytes]);
      expect(await again.state.readMapNodes([path], 3)).toEqual([new Uint8Array([3, 3])]);
      const client = new pg.Client({ connectionString: database });
      await client.connect();
      try {
        const q = (sql: string) => client.query(sql).then((r) => r.rows);
        expect(await q(`SELECT version FROM ${s}.map_nodes`)).toEqual([{ version: "3" }]);
        expect(await q(`SELECT version FROM ${s}.schema_version`)).toEqual([{ version: POSTGRES_SCHEMA_VERSION }]);
        const indexes = await q(`SELECT indexname FROM pg_indexes WHERE schemaname = '${store.schema}'
          AND indexname LIKE 'map_%_by_%'`);
        expect(indexes).toEqual([]);
      } finally {
        await client.end();
      }
    } finally {
      await again.close();
    }
  });

  it("upgrades a log of layout 3 (no rebuild token) with a rebuild an older program left unfinished: it opens and rebuilds", async () => {
    const store = await open();
    await store.append({
      ...syntheticBatch("a", 0, 2),
      state: { rows: [{ table: "label", key: "L", value: new Uint8Array([1]) }] },
    });
    const old = await store.state.beginRebuild(2);
    await store.close();
    const s = `"${store.schema}"`;
    // Layout 3's state_meta, marked as being rebuilt, holding what the old rebuild wrote.
    await execute(`ALTER TABLE ${s}.state_meta DROP COLUMN rebuild_token, DROP COLUMN rebuild_stepped_at;
      INSERT INTO ${s}.state_rows VALUES (1, '\\x00', '\\x00');
      UPDATE ${s}.schema_version SET version = 3`);
    const again = await openPostgresStore({ connectionString: database, schema: store.schema });
    try {
      await expectRebuildAfterUpgrade(again.state, old, new Uint8Array([0]));
    } finally {
      await again.close();
    }
    const client = new pg.Client({ connectionString: database });
    await client.connect();
    try {
      const q = (sql: string) => client.query(sql).then((r) => r.rows);
      expect(await q(`SELECT version FROM ${s}.schema_version`)).toEqual([{ version: POSTGRES_SCHEMA_VERSION }]);
      expect(await q(`SELECT rebuild_token FROM ${s}.state_meta`)).toEqual([{ rebuild_token: "1" }]);
    } finally {
      await client.end();
    }
  });

  it("upgrades a log of layout 4 (no step times) with a rebuild under way: its token stands, its step age is unknown until it steps", async () => {
    const store = await open();
    await store.append(syntheticBatch("a", 0, 2));
    const old = await store.state.beginRebuild(2);
    await store.close();
    const s = `"${store.schema}"`;
    await execute(`ALTER TABLE ${s}.state_meta DROP COLUMN rebuild_stepped_at;
      UPDATE ${s}.schema_version SET version = 4`);
    const again = await openPostgresStore({ connectionString: database, schema: store.schema });
    try {
      const st = again.state;
      // Read as a rebuild that stopped stepping: start-up takes it over rather than wait.
      expect(await st.status()).toMatchObject({ rebuildNeeded: true, rebuildToken: old, rebuildStepAgeMs: undefined });
      await st.writeRebuild(old, 2, {});
      expect((await st.status()).rebuildStepAgeMs).toBeGreaterThanOrEqual(0);
      const token = await st.beginRebuild(2);
      expect(token).toBe(old + 1);
      await st.finishRebuild(token, 2);
      expect(await st.status()).toMatchObject({ size: 2, rebuildNeeded: false, rebuildToken: token });
    } finally {
      await again.close();
    }
    expect(await execute(`SELECT version FROM ${s}.schema_version`)).toEqual([{ version: POSTGRES_SCHEMA_VERSION }]);
    expect(await execute(`SELECT rebuild_stepped_at IS NOT NULL AS stepped FROM ${s}.state_meta`)).toEqual([
      { stepped: true },
    ]);
  });

  it("refuses a schema of a newer layout version", async () => {
    const store = await open();
    await store.close();
    await execute(`UPDATE "${store.schema}".schema_version SET version = 99`);
    await expect(openPostgresStore({ connectionString: database, schema: store.schema })).rejects.toThrow(
      /layout version 99/,
    );
  });

  it("refuses a schema name that is not a plain identifier before connecting", async () => {
    const schema = 'x"; DROP TABLE y; --';
    await expect(openPostgresStore({ connectionString: database, schema })).rejects.toBeInstanceOf(
      InvalidSchemaNameError,
    );
  });
});

describe("PostgresStore: following", () => {
  it("wakes a waiter in another instance by NOTIFY, well before the poll would", async () => {
    const writer = await open();
    const reader = await openPostgresStore({
      connectionString: database,
      schema: writer.schema,
      pollIntervalMillis: 60_000,
    });
    try {
      await writer.append(syntheticBatch("w", 0, 1));
      expect(await reader.waitForGrowth(0)).toBe(1);
      const waiting = reader.waitForGrowth(1, AbortSignal.timeout(5000));
      await new Promise((r) => setTimeout(r, 100)); // the listener is connected by now
      const t0 = performance.now();
      await writer.append(syntheticBatch("w", 1, 2));
      expect(await waiting).toBe(3);
      expect(performance.now() - t0).toBeLessThan(500);
    } finally {
      await writer.close();
      await reader.close();
    }
  });

  it("falls back to polling when a notification never comes", async () => {
    const store = await open({ pollIntervalMillis: 100 });
    const raw = new pg.Client({ connectionString: database });
    await raw.connect();
    try {
      const waiting = store.waitForGrowth(0);
      // Growth that notifies nobody, as after a lost LISTEN connection.
      await raw.query(`UPDATE "${store.schema}".log_head SET size = 7`);
      const { ms, result } = await elapsed(waiting);
      expect(result).toEqual({ status: "fulfilled", value: 7 });
      expect(ms).toBeLessThan(1000);
    } finally {
      await raw.end();
      await store.close();
    }
  });

  it("rejects pending waits with StoreUnavailableError on close and with the signal's reason on abort", async () => {
    const store = await open();
    const controller = new AbortController();
    const aborted = store.waitForGrowth(0, controller.signal);
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ name: "AbortError" });
    const pending = store.waitForGrowth(0);
    await store.close();
    await expect(pending).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.waitForGrowth(0)).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.append(syntheticBatch("w", 0, 1))).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});

describe("PostgresStore: durability settings", () => {
  it("commits appends with synchronous_commit on even where the server default is off", async () => {
    const lax = await cluster().createDatabase("lax");
    const name = new URL(lax).pathname.slice(1);
    await execute(`ALTER DATABASE "${name}" SET synchronous_commit = off`);
    const store = await openPostgresStore({ connectionString: lax, schema: "log" });
    const raw = new pg.Client({ connectionString: lax });
    await raw.connect();
    try {
      // A trigger records the setting in force inside the append's transaction.
      await raw.query(`
        CREATE TABLE seen (setting text);
        CREATE FUNCTION record_setting() RETURNS trigger LANGUAGE plpgsql AS
          $$ BEGIN INSERT INTO seen VALUES (current_setting('synchronous_commit')); RETURN NULL; END $$;
        CREATE TRIGGER record AFTER INSERT ON log.entries FOR EACH STATEMENT EXECUTE FUNCTION record_setting();`);
      expect((await raw.query("SHOW synchronous_commit")).rows[0]).toEqual({ synchronous_commit: "off" });
      await store.append(syntheticBatch("w", 0, 2));
      expect((await raw.query("SELECT setting FROM seen")).rows).toEqual([{ setting: "on" }]);
    } finally {
      await raw.end();
      await store.close();
    }
  });
});

describe("PostgresStore: a slow database", () => {
  it("fails an append fast with StoreUnavailableError when the head row stays locked past the statement timeout", async () => {
    const store = await open({ statementTimeoutMillis: 300 });
    await store.append(syntheticBatch("w", 0, 1));
    const blocker = new pg.Client({ connectionString: database });
    await blocker.connect();
    try {
      await blocker.query("BEGIN");
      await blocker.query(`SELECT size FROM "${store.schema}".log_head FOR UPDATE`);
      const { ms, result } = await elapsed(store.append(syntheticBatch("w", 1, 1)));
      expect(result.status).toBe("rejected");
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(StoreUnavailableError);
      expect(ms).toBeLessThan(2000);
      await blocker.query("ROLLBACK");
      // The timed-out append wrote nothing, and the store goes on.
      expect((await store.latestCheckpoint())?.size).toBe(1);
      await store.append(syntheticBatch("w", 1, 1));
      expect((await store.latestCheckpoint())?.size).toBe(2);
    } finally {
      await blocker.end();
      await store.close();
    }
  });

  it("fails to open fast with StoreUnavailableError when nothing listens", async () => {
    const url = new URL(database);
    url.port = "1"; // nothing listens on port 1
    const { ms, result } = await elapsed(openPostgresStore({ connectionString: url.toString(), schema: "nowhere" }));
    expect(result.status).toBe("rejected");
    expect((result as PromiseRejectedResult).reason).toBeInstanceOf(StoreUnavailableError);
    expect(ms).toBeLessThan(3000);
  });

  it("gives up connecting after the connect timeout when the server accepts but never answers", async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const url = new URL(database);
    url.port = String((silent.address() as AddressInfo).port);
    try {
      const { ms, result } = await elapsed(
        openPostgresStore({ connectionString: url.toString(), schema: "nowhere", connectTimeoutMillis: 300 }),
      );
      expect(result.status).toBe("rejected");
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(StoreUnavailableError);
      expect(ms).toBeGreaterThanOrEqual(250);
      expect(ms).toBeLessThan(2000);
    } finally {
      silent.close();
    }
  });
});
