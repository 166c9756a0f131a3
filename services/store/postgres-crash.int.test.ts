// The PostgreSQL store when its server dies: writes and reads fail fast with
// StoreUnavailableError, the same instances recover once the server is back, and every
// acknowledged append survives an immediate stop. A cluster of its own, so that stopping it
// disturbs no other test file.
import { beforeAll, describe, expect, it } from "vitest";
import { elapsed } from "../../test/elapsed.js";
import { usePostgres } from "../../test/postgres.js";
import { openPostgresStore, type PostgresStore } from "./postgres.js";
import { StoreUnavailableError } from "./port.js";
import { expectStateInStep } from "../../test/store/state-in-step.js";
import { parseSyntheticEntry, syntheticBatch, syntheticEntry, syntheticState } from "../../test/store/synthetic.js";

const cluster = usePostgres();
let database = "";
let schemas = 0;
beforeAll(async () => {
  database = await cluster().createDatabase("crash");
});

function open(): Promise<PostgresStore> {
  return openPostgresStore({ connectionString: database, schema: `log_${++schemas}` });
}

/** Every one of `attempts` (started together) rejects with StoreUnavailableError within 3 s. */
async function expectFastUnavailable(attempts: Promise<unknown>[]): Promise<void> {
  for (const { ms, result } of await Promise.all(attempts.map((a) => elapsed(a)))) {
    expect(result.status).toBe("rejected");
    expect((result as PromiseRejectedResult).reason).toBeInstanceOf(StoreUnavailableError);
    expect(ms).toBeLessThan(3000);
  }
}

describe("PostgresStore: a server that dies", () => {
  it("fails writes and reads fast while the server is down, and the same instance recovers after restart", async () => {
    const store = await open();
    const follower = await openPostgresStore({
      connectionString: database,
      schema: store.schema,
      pollIntervalMillis: 200,
    });
    try {
      await store.append(syntheticBatch("w", 0, 10));
      const grown = follower.waitForGrowth(10);
      await cluster().kill();

      await expectFastUnavailable([
        store.append(syntheticBatch("w", 10, 5)),
        store.latestCheckpoint(),
        store.readEntries(0, 1),
        store.readTile(0, 0),
      ]);

      await cluster().start();
      // Same instances, no reopening: the pool replaces its dead connections.
      await store.append(syntheticBatch("w", 10, 5));
      expect((await store.latestCheckpoint())?.size).toBe(15);
      // The follower's wait survived the outage and saw the growth.
      expect(await grown).toBe(15);
      expect(await follower.readEntries(10, 15)).toEqual(syntheticBatch("w", 10, 5).entries);
    } finally {
      await store.close();
      await follower.close();
    }
  });

  it("fails fast against a server that stops answering, and the same instance recovers when it answers again", async () => {
    const store = await openPostgresStore({
      connectionString: database,
      schema: `log_${++schemas}`,
      statementTimeoutMillis: 500,
      connectTimeoutMillis: 500,
    });
    try {
      await store.append(syntheticBatch("w", 0, 3)); // leaves an idle pooled connection to the server
      cluster().freeze();
      try {
        // The first goes down a connection that is open but silent (bounded by the client-side
        // round-trip timeout); the rest need new connections (bounded by the connect timeout).
        await expectFastUnavailable([
          store.append(syntheticBatch("w", 3, 2)),
          store.latestCheckpoint(),
          store.readEntries(0, 3),
        ]);
      } finally {
        cluster().thaw();
      }
      // The timed-out append wrote nothing; the same instance goes on.
      expect((await store.latestCheckpoint())?.size).toBe(3);
      await store.append(syntheticBatch("w", 3, 2));
      expect(await store.readEntries(3, 5)).toEqual(syntheticBatch("w", 3, 2).entries);
    } finally {
      await store.close();
    }
  });

  it("keeps every acknowledged append across an immediate stop (crash recovery from the WAL)", async () => {
    const store = await open();
    const schema = store.schema;
    let size = 0;
    for (let i = 0; i < 25; i++) {
      await store.append(syntheticBatch("d", size, 1 + (i % 7)));
      size += 1 + (i % 7);
    }
    const note = (await store.latestCheckpoint())?.note;
    await cluster().kill();
    await store.close();
    await cluster().start();

    const reopened = await openPostgresStore({ connectionString: database, schema });
    try {
      expect(await reopened.latestCheckpoint()).toEqual({ size, note });
      const entries = await reopened.readEntries(0, size);
      entries.forEach((e, i) => expect(e).toEqual(syntheticEntry("d", i)));
      expect((await reopened.readTile(0, 0))?.width).toBe(Math.min(256, size));
    } finally {
      await reopened.close();
    }
  });

  it("keeps log and state tables in step when the server is killed in the middle of appends, round after round", async () => {
    const store = await open();
    const acked: { writer: string; start: number; end: number }[] = [];
    let size = 0;
    let cut = 0;
    try {
      for (let round = 0; round < 4; round++) {
        const writer = `k${round}`;
        let appending = true;
        const appends = (async () => {
          while (appending) {
            const count = 1 + Math.floor(Math.random() * 40);
            try {
              await store.append({
                ...syntheticBatch(writer, size, count),
                state: syntheticState(writer, size, count),
              });
            } catch (err) {
              if (err instanceof StoreUnavailableError) {
                cut++; // outcome unknown: the size is re-read below
                return;
              }
              throw err;
            }
            acked.push({ writer, start: size, end: size + count });
            size += count;
          }
        })();
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 300));
        await cluster().kill();
        appending = false;
        await appends;
        await cluster().start();

        // The same instance, after the outage: the size is what committed (at least every ack).
        const committed = (await store.latestCheckpoint())?.size ?? 0;
        expect(committed).toBeGreaterThanOrEqual(acked.at(-1)?.end ?? 0);
        size = committed;
        const entries = await store.readEntries(0, size);
        for (const a of acked)
          for (let i = a.start; i < a.end; i++) expect(parseSyntheticEntry(entries[i]!)?.writer).toBe(a.writer);
        await expectStateInStep(store, size);
      }
      expect(acked.length).toBeGreaterThan(4);
      console.log(`state crash test: 4 kills, ${cut} appends cut short, ${acked.length} acknowledged, ${size} entries`);
    } finally {
      await store.close();
    }
  });
});
