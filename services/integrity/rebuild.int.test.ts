// The state tables' rows through the sequencer, and their rebuild from the log, on every store
// with state tables: after a workload of every statement kind the rows are exactly the codec of
// the records a replay of the log gives; a rebuild writes the same rows, and the map's nodes and
// values of the newest commitment (the same root and proofs); a forged log stops the rebuild at
// the entry, leaving the tables marked rebuildNeeded; a failed or lost append writes no rows.
import { describe, expect, it } from "vitest";
import { toHex, utf8 } from "../../log/bytes.js";
import { computeUpdateAsync, defaultMapHasher, mapKey, proveKeysAsync, type MapKeyKind } from "../../log/map/index.js";
import { T0, labelIssued, signStatement, statement, testKey } from "../../test/domain-testkit.js";
import { signedMemoryLog } from "../../test/signed-memory-log.js";
import { overriding, withTables } from "../../test/store/wrap-tables.js";
import {
  authority,
  forgedMiddleCommitment,
  expectRowsOf,
  logSigner,
  logVerifier,
  openRegistry,
  stateStoreBackends,
  expectStatsRowsOf,
  replayed,
  replayedState,
  rowsOf,
  scannedRows,
  stateWorkload,
  storedRows,
} from "../../test/state-rows-kit.js";
import { decodeRequestIdRow, encodeRequestIdRow } from "../domain/rows.js";
import { Registry } from "../registry.js";
import { MapTouched } from "../domain/map-values.js";
import { storedMapAt } from "../store/map-nodes.js";
import { MEMORY_APPEND_STEPS, MemoryLog, openMemoryStore } from "../store/memory.js";
import { RebuildSupersededError, type LogStore } from "../store/port.js";
import { STATE_TABLES, type StateTable, type StateWrite } from "../store/state.js";
import { IntegrityError } from "./integrity-error.js";
import { rebuildState } from "./rebuild.js";
import { outOfStep } from "./state-start-up.js";

const verifier = logVerifier;
const open = openRegistry;
const backends = stateStoreBackends("rows");

/** Every map key of the state, with its kind and id. */
function mapKeys(registry: Registry): { kind: MapKeyKind; id: string }[] {
  const t = MapTouched.everything(registry.view.state);
  return (["label", "product", "manufacturer", "issuer", "category"] as const).flatMap((kind) =>
    [...t[kind]].map((id) => ({ kind, id })),
  );
}

describe.each(backends)("state rows over %s", (_name, openStore) => {
  it("are the codec of the replayed records after a workload of every statement kind, and a rebuild writes them again with the same map", async () => {
    const store = await openStore();
    const clock = { now: T0 };
    const registry = await openRegistry(store, clock);
    try {
      await stateWorkload(registry, clock);
      const size = registry.view.size;
      expect(await store.state!.status()).toMatchObject({ size, rebuildNeeded: false });
      // In step with the log: every row is the codec of the record a replay gives.
      const replayed = await replayedState(store, authority.publicKey);
      expect(replayed.size).toBe(size);
      const compared = await expectRowsOf(store, replayed);
      expect(compared).toBeGreaterThan(40);
      expect(await expectRowsOf(store, registry.view.state)).toBe(compared);
      expect((await store.state!.readState("label", ["OTHER-2"])).values[0], "a refused statement's label").toBe(
        undefined,
      );
      expect(await outOfStep(store, store.state!, authority.publicKey)).toBe(undefined);

      const stats = (await expectStatsRowsOf(store, authority.publicKey)).compared;
      const statsBefore = [await scannedRows(store, "stats"), await scannedRows(store, "statsBoundary")];

      const want = rowsOf(replayed);
      const keys = new Map([...want].map(([t, rows]) => [t, [...rows.keys()]]));
      const before = await storedRows(store, keys);
      const progress: string[] = [];
      const report = await rebuildState(store, authority.publicKey, logVerifier, {
        progress: (p) => progress.push(p.phase),
      });
      expect(report).toMatchObject({ size, rows: compared + stats, restarts: 0, mapVersion: size - 1 });
      // The statistics' rows are those the batches wrote.
      expect([await scannedRows(store, "stats"), await scannedRows(store, "statsBoundary")]).toEqual(statsBefore);
      expect(progress).toContain("replay");
      expect(progress.at(-1)).toBe("write");
      expect(await store.state!.status()).toMatchObject({ size, rebuildNeeded: false });
      expect(await storedRows(store, keys)).toEqual(before);

      // The map as of the newest commitment: its root and every key's proof are the registry's.
      const commitment = registry.view.map.latest!;
      expect(commitment.size).toBe(report.mapVersion);
      const things = mapKeys(registry);
      const keysOfMap = [
        ...things.map((k) => mapKey(defaultMapHasher, k.kind, k.id)),
        defaultMapHasher.digest(utf8("absent")),
      ];
      const proofs = await proveKeysAsync(storedMapAt(store.state!, defaultMapHasher, commitment.size), keysOfMap);
      expect(proofs).toEqual(await registry.view.map.prove(commitment.size, keysOfMap));
      const stored = await computeUpdateAsync(
        storedMapAt(store.state!, defaultMapHasher, commitment.size),
        defaultMapHasher,
        [],
      );
      expect(stored.root).toEqual(commitment.root);
    } finally {
      await registry.close();
      await store.close();
    }
  });
});

describe("a rebuild of a forged log", () => {
  async function honest(): Promise<Uint8Array[]> {
    const store = openMemoryStore();
    const clock = { now: T0 };
    const registry = await openRegistry(store, clock);
    await stateWorkload(registry, clock);
    const entries = await store.readEntries(0, registry.view.size);
    await registry.close();
    return entries;
  }

  /** A memory log holding `list`, its tree and a checkpoint signed by the log's key. */
  async function storeOf(list: readonly Uint8Array[]): Promise<LogStore> {
    return openMemoryStore(await signedMemoryLog(list, logSigner));
  }

  it("stops at a commitment whose root is not the map's, naming its index; the tables stay marked rebuildNeeded", async () => {
    const { forged, index } = forgedMiddleCommitment(await honest());
    const store = await storeOf(forged);
    const e = await rebuildState(store, authority.publicKey, logVerifier).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(IntegrityError);
    expect(e).toMatchObject({ problem: "map-commitment", index });
    expect(await store.state!.status()).toMatchObject({ rebuildNeeded: true });
    // Start-up refuses to serve from such tables, and its rebuild stops the same way.
    await expect(openRegistry(store, { now: T0 })).rejects.toMatchObject({ problem: "map-commitment", index });
  });

  it("stops at an entry the tree does not vouch for, naming its index", async () => {
    const entries = await honest();
    const store = await storeOf(entries);
    await rebuildState(store, authority.publicKey, logVerifier);
    const stored = await store.readEntries(7, 8);
    // The memory store hands out copies: damage its own bytes through a second read path.
    const log = (store as unknown as { log: MemoryLog }).log;
    log.entries[7]![stored[0]!.length - 1]! ^= 1;
    const e = await rebuildState(store, authority.publicKey, logVerifier).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(IntegrityError);
    expect((e as IntegrityError).index).toBe(7);
    expect(await store.state!.status()).toMatchObject({ rebuildNeeded: true });
  });
});

describe("start-up checks of the state tables", () => {
  it.each([
    ["a label row that does not decode", "label", "CCRC-1", Uint8Array.of(0xff, 0xff)],
    ["a request id row naming another entry", "requestId", undefined, undefined],
    ["a missing issuer row", "issuer", "CCRC", null],
  ] as const)("find %s in the newest batch, and start-up rebuilds the tables", async (_what, table, key, value) => {
    const log = new MemoryLog();
    const clock = { now: T0 };
    const registry = await open(openMemoryStore(log), clock);
    await stateWorkload(registry, clock);
    // The newest batch: the authority suspends the issuer CCRC.
    await Promise.all([
      registry.submit(
        signStatement(
          authority,
          statement(
            { $case: "issuerSuspended", value: { issuerId: "CCRC", reason: { code: 1, text: "x" } } },
            { signedAtUnix: clock.now },
          ),
        ),
      ),
    ]);
    await registry.close();
    const store = openMemoryStore(log);
    const rowKey = (t: number, k: string) => `${t}/${toHex(utf8(k))}`;
    const tableIds = { label: 1, issuer: 4, requestId: 7 } as const;
    if (table === "requestId") {
      // Point the newest statement's request id row at entry 0.
      const newest = [...log.state.rows.keys()].filter((k) => k.startsWith(`${tableIds.requestId}/`));
      const rows = newest.map((k) => ({ k, r: decodeRequestIdRow(log.state.rows.get(k)!) }));
      const last = rows.reduce((a, b) => (a.r.index > b.r.index ? a : b));
      log.state.rows.set(last.k, encodeRequestIdRow({ ...last.r, index: 0 }));
    } else if (value === null) log.state.rows.delete(rowKey(tableIds[table], key!));
    if (table === "label") {
      // Make CCRC-1 part of the newest batch (its row read whole), then break the row.
      const again = await open(openMemoryStore(log), clock);
      await again.submit(
        signStatement(
          authority,
          statement(
            { $case: "labelSuspended", value: { reason: { code: 1, text: "x" } } },
            {
              labelId: "CCRC-1",
              expectedLabelVersion: (await again.view.records().labels(["CCRC-1"]))[0]!.version,
              signedAtUnix: clock.now,
            },
          ),
        ),
      );
      await again.close();
      log.state.rows.set(rowKey(tableIds.label, "CCRC-1"), value!);
    }
    expect(await outOfStep(store, store.state!, authority.publicKey)).toMatch(
      /the newest batch's rows fail the start-up check/,
    );
    const reasons: string[] = [];
    const reopened = await Registry.open({
      store: openMemoryStore(log),
      logSigner,
      authorityPublicKey: authority.publicKey,
      verifyAsync: false,
      onStateRebuild: (r) => reasons.push(r),
    });
    await reopened.close();
    expect(reasons).toHaveLength(1);
    const fresh = openMemoryStore(log);
    expect(await outOfStep(fresh, fresh.state!, authority.publicKey)).toBe(undefined);
    await expectRowsOf(fresh, await replayedState(fresh, authority.publicKey));
  });
});

describe("a rebuild racing an append", () => {
  it("starts over at the new size when an append moves the tree under it", async () => {
    const log = new MemoryLog();
    const clock = { now: T0 };
    const a = await open(openMemoryStore(log), clock);
    await stateWorkload(a, clock);
    await a.close();
    // The racing writer keeps its map in memory (a store without state tables): its commitments
    // do not depend on the tables the rebuild is rewriting. A writer whose map is in the store
    // is refused while the tables are marked (services/rebuild-guard.int.test.ts).
    const withoutState = (s: LogStore): LogStore =>
      new Proxy(s, {
        get(t, p) {
          if (p === "state") return undefined;
          const v = Reflect.get(t, p) as unknown;
          return typeof v === "function" ? (v as (...args: unknown[]) => unknown).bind(t) : v;
        },
      });
    const b = await open(withoutState(openMemoryStore(log)), clock);
    try {
      // The first part of the rebuild waits for an append by the sequencer b.
      const store = openMemoryStore(log);
      const tables = store.state!;
      let raced = false;
      const racing = new Proxy(tables, {
        get(t, p) {
          if (p === "writeRebuild")
            return async (...args: Parameters<typeof t.writeRebuild>) => {
              if (!raced) {
                raced = true;
                await b.submit(
                  signStatement(
                    authority,
                    statement(
                      { $case: "categoryPublished", value: { categoryId: "raced", name: "Raced", description: "" } },
                      { signedAtUnix: clock.now },
                    ),
                  ),
                );
              }
              return t.writeRebuild(...args);
            };
          const v = Reflect.get(t, p) as unknown;
          return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(t) : v;
        },
      });
      const before = log.size;
      const report = await rebuildState(
        new Proxy(store, {
          get(t, p) {
            if (p === "state") return racing;
            const v = Reflect.get(t, p) as unknown;
            return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(t) : v;
          },
        }),
        authority.publicKey,
        verifier,
      );
      expect(raced).toBe(true);
      expect(report.restarts).toBe(1);
      expect(report.size).toBe(log.size);
      expect(log.size).toBeGreaterThan(before);
      expect(await tables.status()).toMatchObject({ size: log.size, rebuildNeeded: false });
      await expectRowsOf(store, await replayedState(store, authority.publicKey));
    } finally {
      await b.close();
    }
  });
});

/**
 * Everything `store`'s state tables hold that a rebuild writes: the status, every row of every
 * table, and the map's nodes and values at the paths and keys of `parts` (a rebuild's parts).
 */
async function tablesDump(store: LogStore, parts: readonly StateWrite[]) {
  const st = store.state!;
  const rows: Record<string, [string, string][]> = {};
  for (const table of Object.keys(STATE_TABLES) as StateTable[]) rows[table] = [...(await scannedRows(store, table))];
  const nodes = parts.flatMap((p) => p.nodes ?? []);
  const values = parts.flatMap((p) => p.values ?? []);
  const hex = (list: (Uint8Array | undefined)[]) => list.map((b) => b && toHex(b));
  return {
    // The token and the step's age differ between two rebuilds of the same tables.
    status: await st.status().then(({ size, rebuildNeeded, mapFloor }) => ({ size, rebuildNeeded, mapFloor })),
    rows,
    nodes: hex(
      await st.readMapNodes(
        nodes.map((n) => n.path),
        nodes[0]?.version ?? 0,
      ),
    ),
    values: hex(await st.readMapValues(values.map((v) => ({ key: v.key, hash: v.hash })))),
  };
}

describe.each(backends)("rebuilds racing each other over %s", (_name, openStore) => {
  /**
   * A store after the workload (its registry, idle, keeps it open), the parts one rebuild alone
   * writes, and what the tables then hold.
   */
  async function rebuiltOnce() {
    const store = await openStore();
    const clock = { now: T0 };
    const registry = await openRegistry(store, clock);
    await stateWorkload(registry, clock);
    const parts: StateWrite[] = [];
    const tables = store.state!;
    const recording = overriding(tables, {
      writeRebuild: (token, size, part) => {
        parts.push(part);
        return tables.writeRebuild(token, size, part);
      },
    });
    const report = await rebuildState(withTables(store, recording), authority.publicKey, logVerifier);
    expect(parts.length).toBeGreaterThanOrEqual(3);
    const single = await tablesDump(store, parts);
    expect(single.status).toMatchObject({ size: report.size, rebuildNeeded: false });
    await expectRowsOf(store, await replayedState(store, authority.publicKey));
    return { registry, store, parts, single };
  }

  it("a rebuild begun while another writes supersedes it: the first stops with RebuildSupersededError, the second finishes alone", async () => {
    const { registry, store, parts, single } = await rebuiltOnce();
    try {
      const tables = store.state!;
      // A writes its first part; B begins then (clearing it), and only then may A go on.
      let aWrote!: () => void;
      const aHasWritten = new Promise<void>((r) => (aWrote = r));
      let bBegan!: () => void;
      const bHasBegun = new Promise<void>((r) => (bBegan = r));
      const aSteps: string[] = [];
      let aParts = 0;
      const a = overriding(tables, {
        writeRebuild: async (token, size, part) => {
          try {
            await tables.writeRebuild(token, size, part);
            aSteps.push("write");
          } catch (e) {
            aSteps.push((e as Error).name);
            throw e;
          }
          if (++aParts === 1) {
            aWrote();
            await bHasBegun;
          }
        },
        finishRebuild: (token, size) => {
          aSteps.push("finish");
          return tables.finishRebuild(token, size);
        },
      });
      const b = overriding(tables, {
        beginRebuild: async (size) => {
          await aHasWritten;
          const token = await tables.beginRebuild(size);
          bBegan();
          return token;
        },
      });
      const [ra, rb] = await Promise.allSettled([
        rebuildState(withTables(store, a), authority.publicKey, logVerifier),
        rebuildState(withTables(store, b), authority.publicKey, logVerifier),
      ]);
      // First what matters: the tables are marked in step only if they hold a whole rebuild.
      expect(await tablesDump(store, parts)).toEqual(single);
      expect(ra.status).toBe("rejected");
      const e = (ra as PromiseRejectedResult).reason as unknown;
      expect(e).toBeInstanceOf(RebuildSupersededError);
      expect((e as Error).message).toMatch(/rebuild-superseded: rebuild \d+ of the state tables was superseded/);
      // A stopped at its first refused step: no restart, no finish.
      expect(aSteps).toEqual(["write", "RebuildSupersededError"]);
      expect(rb).toMatchObject({ status: "fulfilled", value: { restarts: 0 } });
      await expectRowsOf(store, await replayedState(store, authority.publicKey));
    } finally {
      await registry.close();
    }
  });

  it("two rebuilds started at once: exactly one succeeds, and the tables are a single rebuild's, row for row", async () => {
    const { registry, store, parts, single } = await rebuiltOnce();
    try {
      // Neither writes before both have begun, however slow the machine: they overlap.
      const tables = store.state!;
      let begun = 0;
      let bothBegun!: () => void;
      const overlap = new Promise<void>((r) => (bothBegun = r));
      const atOnce = overriding(tables, {
        beginRebuild: async (size) => {
          const token = await tables.beginRebuild(size);
          if (++begun === 2) bothBegun();
          await overlap;
          return token;
        },
      });
      const results = await Promise.allSettled([
        rebuildState(withTables(store, atOnce), authority.publicKey, logVerifier),
        rebuildState(withTables(store, atOnce), authority.publicKey, logVerifier),
      ]);
      expect(begun).toBe(2);
      const won = results.filter((r) => r.status === "fulfilled");
      const lost = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0]).toBeInstanceOf(RebuildSupersededError);
      expect(await tablesDump(store, parts)).toEqual(single);
      await expectRowsOf(store, await replayedState(store, authority.publicKey));
    } finally {
      await registry.close();
    }
  });
});

describe("a store without state tables", () => {
  it("gets appends without a state part, and start-up checks nothing", async () => {
    const inner = openMemoryStore();
    const parts: unknown[] = [];
    const store = new Proxy(inner, {
      get(t, p) {
        if (p === "state") return undefined;
        if (p === "append")
          return (batch: Parameters<LogStore["append"]>[0]) => {
            parts.push(batch.state);
            return t.append(batch);
          };
        const v = Reflect.get(t, p) as unknown;
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(t) : v;
      },
    });
    const clock = { now: T0 };
    const registry = await open(store, clock);
    try {
      await stateWorkload(registry, clock);
      expect(parts.length).toBeGreaterThan(5);
      expect(parts.every((p) => p === undefined)).toBe(true);
    } finally {
      await registry.close();
    }
  });
});

describe("appends that fail write no rows", () => {
  it.each(MEMORY_APPEND_STEPS)(
    "a fault at the %s step of an append leaves the rows of the log as it was",
    async (step) => {
      const log = new MemoryLog();
      const store = openMemoryStore(log);
      const clock = { now: T0 };
      const registry = await openRegistry(store, clock);
      try {
        await stateWorkload(registry, clock);
        const size = registry.view.size;
        const signed = signStatement(
          authority,
          statement(
            { $case: "categoryPublished", value: { categoryId: "smart-lock", name: "Locks", description: "" } },
            { signedAtUnix: clock.now },
          ),
        );
        log.faults = (at) => {
          if (at === step) throw new Error(`injected fault at ${at}`);
        };
        await expect(registry.submit(signed)).rejects.toThrow(/store-unavailable|did not commit/);
        log.faults = undefined;
        expect(log.size).toBe(size);
        expect((await store.state!.readState("category", ["smart-lock"])).values[0]).toBe(undefined);
        await expectRowsOf(store, await replayedState(store, authority.publicKey));
        // Nor did the statistics move: neither their rows nor the registry's figures.
        const { replay } = await expectStatsRowsOf(store, authority.publicKey);
        expect(registry.view.stats.snapshot(registry.view.state, "")).toEqual(
          replay.stats.snapshot(replay.projected, ""),
        );
        // The retry commits, with its rows.
        await registry.submit(signed);
        expect((await store.state!.readState("category", ["smart-lock"])).values[0]).toBeDefined();
        await expectRowsOf(store, await replayedState(store, authority.publicKey));
      } finally {
        await registry.close();
      }
    },
  );

  it("start-up finds tables without the search rows of the newest batch's issuance out of step", async () => {
    const store = openMemoryStore();
    const clock = { now: T0 };
    const registry = await open(store, clock);
    try {
      await stateWorkload(registry, clock);
      const issued = labelIssued({ productModel: "S-1", manufacturer: { name: "Maker S", registrationCode: "91S" } });
      await registry.submit(
        signStatement(
          testKey(3),
          statement({ $case: "labelIssued", value: issued }, { labelId: "CCRC-S", signedAtUnix: clock.now }),
        ),
      );
      const size = registry.view.size;
      expect(await outOfStep(store, store.state!, authority.publicKey)).toBe(undefined);
      // The tables as a layout without the search tables left them.
      const tables = store.state!;
      const token = await tables.beginRebuild(size);
      const replay = await replayed(store, authority.publicKey);
      const rows = [...rowsOf(replay.projected)].filter(([t]) => t !== "searchModel" && t !== "searchName");
      await tables.writeRebuild(token, size, {
        rows: [
          ...rows.flatMap(([table, r]) => [...r].map(([key, value]) => ({ table, key, value }))),
          ...replay.stats.allRows(replay.projected),
        ],
      });
      await tables.finishRebuild(token, size);
      expect(await outOfStep(store, tables, authority.publicKey)).toMatch(/no searchModel row for "S-1\\n91S"/);
    } finally {
      await registry.close();
    }
  });

  it("a sequencer that loses the compare-and-set to another writes none of its batch's rows", async () => {
    const log = new MemoryLog();
    const clock = { now: T0 };
    const a = await openRegistry(openMemoryStore(log), clock);
    const b = await openRegistry(openMemoryStore(log), clock);
    try {
      await stateWorkload(a, clock);
      // b has not seen a's entries: its batch is built on size 0 and loses.
      const mk = (id: string) =>
        signStatement(
          authority,
          statement(
            { $case: "categoryPublished", value: { categoryId: id, name: id, description: "" } },
            { signedAtUnix: clock.now },
          ),
        );
      await expect(b.submit(mk("lost-race"))).rejects.toThrow(/another sequencer/);
      expect((await a.view.store.state!.readState("category", ["lost-race"])).values[0]).toBe(undefined);
      await expectRowsOf(a.view.store, await replayedState(a.view.store, authority.publicKey));
      await expectStatsRowsOf(a.view.store, authority.publicKey);
      // Caught up, b commits on top of a's entries, rows and all.
      await b.submit(mk("lost-race"));
      await expectRowsOf(a.view.store, await replayedState(a.view.store, authority.publicKey));
    } finally {
      await a.close();
      await b.close();
    }
  });
});
