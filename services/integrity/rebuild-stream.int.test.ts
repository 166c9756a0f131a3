// A rebuild streams the log batch by batch over a partial state (rebuild-batches.ts): what it holds
// stays within its cache and one batch's records however many labels the log has, every batch
// writes its map nodes and values at the newest commitment's version so that the tables end
// holding exactly the newest map (no other node, no second version), a wrong commitment in the
// middle stops it there with the tables marked, and a rebuild killed midway leaves them marked
// for the next one, which writes the very tables a whole rebuild writes.
import { describe, expect, it } from "vitest";
import { toHex, utf8 } from "../../log/bytes.js";
import {
  computeUpdate,
  computeUpdateAsync,
  defaultMapHasher,
  mapKey,
  MemoryMapNodeStore,
  pathBytes,
  proveKeysAsync,
} from "../../log/map/index.js";
import { T0, labelIssued, reason, signStatement, statement, testKey } from "../../test/domain-testkit.js";
import { signedMemoryLog } from "../../test/signed-memory-log.js";
import {
  authority,
  commitmentIndices,
  expectRowsOf,
  expectStatsRowsOf,
  forgedMiddleCommitment,
  logSigner,
  logVerifier,
  openRegistry,
  replayedState,
  scannedRows,
  stateStoreBackends,
  stateWorkload,
} from "../../test/state-rows-kit.js";
import { overriding, withTables } from "../../test/store/wrap-tables.js";
import { decodeLogEntry, isCommitment } from "../domain/decode.js";
import { mapEntries, MapTouched } from "../domain/map-values.js";
import { isViolation } from "../domain/violation.js";
import type { Registry } from "../registry.js";
import { storedMapAt } from "../store/map-nodes.js";
import { MemoryLog, openMemoryStore } from "../store/memory.js";
import type { LogStore } from "../store/port.js";
import { STATE_TABLES, type StateTable } from "../store/state.js";
import { IntegrityError } from "./integrity-error.js";
import { MAX_REBUILD_BATCH } from "./rebuild-batches.js";
import { rebuildState, type RebuildProgress } from "./rebuild.js";

/** The issuer CCRC's key after stateWorkload (rotated to). */
const ccrc = testKey(3);
const CODES = ["91310000MA1FL8TQ3X", "91110000600037341L"];

/**
 * After stateWorkload: `labels` more labels, each on a product of its own, issued `perBatch` at
 * a time, every fifth revoked in the next batch.
 */
async function manyLabels(registry: Registry, clock: { now: bigint }, labels: number, perBatch = 8): Promise<void> {
  const submit = (s: Parameters<typeof statement>[0], fields: Parameters<typeof statement>[1]) =>
    registry.submit(signStatement(ccrc, statement(s, { ...fields, signedAtUnix: clock.now })));
  for (let from = 0; from < labels; from += perBatch) {
    const ids = Array.from({ length: Math.min(perBatch, labels - from) }, (_, i) => `CCRC-M${from + i}`);
    await Promise.all(
      ids.map((id, i) =>
        submit(
          {
            $case: "labelIssued",
            value: labelIssued({
              productModel: `M-${id}`,
              manufacturer: { name: `Maker ${i % 2}`, registrationCode: CODES[i % 2]! },
            }),
          },
          { labelId: id },
        ),
      ),
    );
    await Promise.all(
      ids
        .filter((_, i) => (from + i) % 5 === 0)
        .map((id) =>
          submit({ $case: "labelRevoked", value: { reason: reason() } }, { labelId: id, expectedLabelVersion: 1n }),
        ),
    );
    clock.now += 1n;
  }
}

/** Every row of every table, by table, key hex -> value hex. */
async function allTables(store: LogStore): Promise<Record<string, Map<string, string>>> {
  const out: Record<string, Map<string, string>> = {};
  for (const table of Object.keys(STATE_TABLES) as StateTable[]) out[table] = await scannedRows(store, table);
  return out;
}

/** The registry's map at its newest commitment: the stored root and every key's proof must be its own. */
async function expectNewestMap(store: LogStore, registry: Registry): Promise<void> {
  const commitment = registry.view.map.latest!;
  const t = MapTouched.everything(await replayedState(store, authority.publicKey));
  const keys = [
    ...(["label", "product", "manufacturer", "issuer", "category"] as const).flatMap((kind) =>
      [...t[kind]].map((id) => mapKey(defaultMapHasher, kind, id)),
    ),
    defaultMapHasher.digest(utf8("absent")),
  ];
  const stored = storedMapAt(store.state!, defaultMapHasher, commitment.size);
  expect((await computeUpdateAsync(stored, defaultMapHasher, [])).root).toEqual(commitment.root);
  expect(await proveKeysAsync(stored, keys)).toEqual(await registry.view.map.prove(commitment.size, keys));
}

describe("a streaming rebuild's memory", () => {
  it("holds at most its cache and one batch's records, over a log of many more labels, and writes exactly the newest map", async () => {
    const log = new MemoryLog();
    const store = openMemoryStore(log);
    const clock = { now: T0 };
    const registry = await openRegistry(store, clock);
    try {
      await stateWorkload(registry, clock);
      await manyLabels(registry, clock, 240);
      const size = registry.view.size;
      const before = await allTables(store);

      // What the state holds when nothing is let go: every record, at the end.
      const all: RebuildProgress[] = [];
      await rebuildState(store, authority.publicKey, logVerifier, {
        stateCacheBytes: Number.POSITIVE_INFINITY,
        progress: (p) => all.push(p),
      });
      const whole = Math.max(...all.map((p) => p.heldBytes));
      const cache = Math.floor(whole / 16);
      const progress: RebuildProgress[] = [];
      const report = await rebuildState(store, authority.publicKey, logVerifier, {
        stateCacheBytes: cache,
        progress: (p) => progress.push(p),
      });
      expect(report).toMatchObject({ size, mapVersion: size - 1, restarts: 0 });
      const replayed = await replayedState(store, authority.publicKey);
      expect(replayed.labels.size).toBeGreaterThan(240);
      // The cache and one batch's records: a batch of at most 16 statements (8 issued, some
      // revoked) of the log's hundreds touches a small share of what the log names.
      const held = Math.max(...progress.map((p) => p.heldBytes));
      expect(held).toBeGreaterThan(0);
      expect(held).toBeLessThanOrEqual(cache + whole / 8);
      expect(progress.filter((p) => p.phase === "write").length).toBeGreaterThan(60);

      // The tables are the sequencer's, row for row.
      expect(await allTables(store)).toEqual(before);
      expect(report.rows).toBe(Object.values(before).reduce((n, t) => n + t.size, 0));
      await expectRowsOf(store, replayed);
      await expectStatsRowsOf(store, authority.publicKey);
      await expectNewestMap(store, registry);

      // Exactly the newest map: the positions and keys a map built at once from every key has,
      // one version each (the newest commitment's), and no journal of writes to prune.
      const entries = mapEntries(replayed, MapTouched.everything(replayed), defaultMapHasher);
      const fresh = computeUpdate(new MemoryMapNodeStore(), defaultMapHasher, entries);
      expect(new Set(log.state.nodes.keys())).toEqual(new Set(fresh.writes.map((w) => toHex(pathBytes(w.path)))));
      for (const versions of log.state.nodes.values()) expect(versions.map((v) => v.version)).toEqual([size - 1]);
      expect(new Set(log.state.values.keys())).toEqual(new Set(entries.map((e) => toHex(e.key))));
      for (const versions of log.state.values.values()) expect(versions.map((v) => v.version)).toEqual([size - 1]);
      expect(await store.state!.status()).toMatchObject({ size, rebuildNeeded: false, mapFloor: size - 1 });
    } finally {
      await registry.close();
    }
  });

  it("takes a run longer than a batch between two commitments in parts, and checks the root at the commitment", async () => {
    // One batch of more statements than a rebuild batch takes: its map is written in parts.
    const store = openMemoryStore();
    const clock = { now: T0 };
    const registry = await openRegistry(store, clock, { batch: { lingerMs: 50, maxBatch: 4096 } });
    try {
      await stateWorkload(registry, clock);
      await manyLabels(registry, clock, MAX_REBUILD_BATCH + 200, MAX_REBUILD_BATCH + 200);
      const entries = await store.readEntries(0, registry.view.size);
      const gaps = commitmentIndices(entries).map((c, i, all) => c - (all[i - 1] ?? 0));
      expect(Math.max(...gaps)).toBeGreaterThan(MAX_REBUILD_BATCH);
      const before = await allTables(store);
      await rebuildState(store, authority.publicKey, logVerifier, { stateCacheBytes: 0 });
      expect(await allTables(store)).toEqual(before);
      await expectNewestMap(store, registry);
    } finally {
      await registry.close();
    }
  });
});

describe("a streaming rebuild of a log with a wrong commitment in its middle", () => {
  it("stops there, naming its index, having written the batches before it and none after; the tables stay marked", async () => {
    const store = openMemoryStore();
    const clock = { now: T0 };
    const registry = await openRegistry(store, clock);
    await stateWorkload(registry, clock);
    await manyLabels(registry, clock, 40);
    const entries = await store.readEntries(0, registry.view.size);
    await registry.close();
    const commitments = commitmentIndices(entries);
    const { forged, index } = forgedMiddleCommitment(entries);
    const broken = openMemoryStore(await signedMemoryLog(forged, logSigner));
    const tables = broken.state!;
    const parts: number[] = [];
    const watched = overriding(tables, {
      writeRebuild: async (token, size, part) => {
        await tables.writeRebuild(token, size, part);
        if (part.rows?.length) parts.push(part.rows.length);
      },
    });
    const e = await rebuildState(withTables(broken, watched), authority.publicKey, logVerifier).catch(
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(IntegrityError);
    expect(e).toMatchObject({ problem: "map-commitment", index });
    expect(await tables.status()).toMatchObject({ rebuildNeeded: true, rebuildUnderWay: true });
    // The batches before it were written; nothing of the batch it ends, nor after.
    expect(parts.length).toBeGreaterThan(5);
    const labelsOf = (list: readonly Uint8Array[]) =>
      list.flatMap((b) => {
        const x = decodeLogEntry(b);
        return isViolation(x) || isCommitment(x) || x.statement.kind?.$case !== "labelIssued"
          ? []
          : [x.statement.labelId];
      });
    const previous = commitments[commitments.indexOf(index) - 1]!;
    const written = labelsOf(forged.slice(0, previous));
    const unwritten = labelsOf(forged.slice(previous + 1));
    expect(written.length).toBeGreaterThan(0);
    expect(unwritten.length).toBeGreaterThan(0);
    expect((await tables.readState("label", written)).values.every((v) => v !== undefined)).toBe(true);
    expect((await tables.readState("label", unwritten)).values.every((v) => v === undefined)).toBe(true);
  });
});

const backends = stateStoreBackends("stream");

describe.each(backends)("a streaming rebuild killed midway over %s", (_name, openStore) => {
  it("leaves the tables marked, and the next rebuild writes the tables a whole one does", async () => {
    const store = await openStore();
    const clock = { now: T0 };
    const registry = await openRegistry(store, clock);
    try {
      await stateWorkload(registry, clock);
      await manyLabels(registry, clock, 48);
      const size = registry.view.size;
      const whole = await allTables(store);
      const tables = store.state!;
      let parts = 0;
      const dying = overriding(tables, {
        writeRebuild: async (token, at, part) => {
          if (++parts > 6) throw new Error("killed");
          await tables.writeRebuild(token, at, part);
        },
      });
      await expect(rebuildState(withTables(store, dying), authority.publicKey, logVerifier)).rejects.toThrow("killed");
      expect(await tables.status()).toMatchObject({ size, rebuildNeeded: true });
      // Half written: some rows are there, not all.
      const half = await allTables(store);
      expect(half).not.toEqual(whole);
      expect(Object.values(half).some((t) => t.size > 0)).toBe(true);

      const report = await rebuildState(store, authority.publicKey, logVerifier);
      expect(report).toMatchObject({ size, restarts: 0 });
      expect(await tables.status()).toMatchObject({ size, rebuildNeeded: false, mapFloor: size - 1 });
      expect(await allTables(store)).toEqual(whole);
      await expectNewestMap(store, registry);
    } finally {
      await registry.close();
      await store.close();
    }
  });
});
