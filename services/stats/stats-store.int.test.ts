// The statistics in a store's state tables, on every store with them: the rows each batch writes
// (a fork of the fold, in the sequencer's check phase) are exactly those a replay of the log
// gives, while labels start, expire and are renewed across batches; a fold loaded from the rows
// gives the replay's figures; and a registry whose fold was loaded from the store (no replay)
// sequences on with it, loading the boundaries that come due before each batch. A rebuild writes
// the same rows.
import { describe, expect, it } from "vitest";
import { T0 } from "../../test/domain-testkit.js";
import {
  authority,
  expectStatsRowsOf,
  expiryWorkload,
  logVerifier,
  openRegistry,
  scannedRows,
  stateStoreBackends,
  stateWorkload,
} from "../../test/state-rows-kit.js";
import { rebuildState } from "../integrity/rebuild.js";
import { outOfStep, prepareStateTables } from "../integrity/state-start-up.js";
import { MemoryLog, openMemoryStore } from "../store/memory.js";
import { STATE_TABLES } from "../store/state.js";
import type { Registry } from "../registry.js";
import { StateSizeError } from "../store/state-fetch.js";
import { StatsFold } from "./fold.js";

const backends = stateStoreBackends("stats");

/** Active labels by tier, as numbers. */
function activeByTier(r: Registry): number[] {
  return r.view.stats.snapshot(r.view.state, "").activeByTier.map((t) => Number(t.labels));
}

describe.each(backends)("statistics rows over %s", (_name, openStore) => {
  it("each batch writes the replay's rows, and a fold loaded from them gives the replay's figures", async () => {
    const store = await openStore();
    const clock = { now: T0 };
    const registry = await openRegistry(store, clock);
    try {
      await stateWorkload(registry, clock);
      const active: number[][] = [];
      await expiryWorkload(registry, clock, {
        point: async (step) => {
          const { replay, compared } = await expectStatsRowsOf(store, authority.publicKey);
          expect(compared).toBeGreaterThan(4);
          const want = replay.stats.snapshot(replay.projected, "");
          expect(registry.view.stats.snapshot(registry.view.state, ""), step).toEqual(want);
          const loaded = await StatsFold.load(store.state!, registry.view.size);
          expect(loaded.snapshot(registry.view.state, ""), step).toEqual(want);
          active.push(activeByTier(registry));
        },
      });
      // The workload does pass boundaries: labels become active, then expire.
      expect(active.map((a) => a[1])).toEqual([7, 8, 8, 5, 5]);
      // Passed boundaries are gone (a renewal's old end went with the renewal: the rows compared above).
      const boundaries = await scannedRows(store, "statsBoundary");
      for (const key of boundaries.keys())
        expect(BigInt(`0x${key.slice(0, 16)}`)).toBeGreaterThan(registry.view.lastSequencedAt);

      // A rebuild from the log writes the same rows.
      const before = [await scannedRows(store, "stats"), await scannedRows(store, "statsBoundary")];
      await rebuildState(store, authority.publicKey, logVerifier);
      expect([await scannedRows(store, "stats"), await scannedRows(store, "statsBoundary")]).toEqual(before);

      // Rows of another size are not read as this one's.
      await expect(StatsFold.load(store.state!, registry.view.size - 1)).rejects.toBeInstanceOf(StateSizeError);
    } finally {
      await registry.close();
      await store.close();
    }
  });

  it("a registry whose fold was loaded from the store sequences on, preparing the boundaries due before each batch", async () => {
    const store = await openStore();
    const clock = { now: T0 };
    const registry = await openRegistry(store, clock);
    try {
      await stateWorkload(registry, clock);
      // The registry's statistics were loaded from their rows (at size 0, as a start-up without
      // replay does), and folded on: a fold that holds only the boundaries prepared so far.
      const loaded = await registry.view.currentStats();
      const named: string[][] = [];
      await expiryWorkload(registry, clock, {
        beforeBatch: async (now) => {
          named.push(await loaded.prepare(now, store.state!));
        },
        point: async (step) => {
          const { replay } = await expectStatsRowsOf(store, authority.publicKey);
          expect(loaded.snapshot(registry.view.state, ""), step).toEqual(replay.stats.snapshot(replay.projected, ""));
        },
      });
      // Each batch's prepare named the labels whose boundaries it passes, and only those (not
      // CCRC-E1 for the end its renewal moved: that row went with the renewal).
      expect(named.map((ids) => ids.sort())).toEqual([
        [],
        ["CCRC-E2"],
        ["CCRC-E3"],
        ["CCRC-E2", "CCRC-E4"],
        ["CCRC-E1"],
      ]);
    } finally {
      await registry.close();
      await store.close();
    }
  });
});

describe("tables written before the statistics had rows", () => {
  it("are out of step at start-up, and the rebuild it runs writes the statistics' rows", async () => {
    const log = new MemoryLog();
    const clock = { now: T0 };
    const registry = await openRegistry(openMemoryStore(log), clock);
    await stateWorkload(registry, clock);
    await registry.close();
    const store = openMemoryStore(log);
    // What a store of the earlier layout holds: every row but the statistics'.
    const ids = [STATE_TABLES.stats, STATE_TABLES.statsBoundary];
    for (const k of [...log.state.rows.keys()]) if (ids.some((id) => k.startsWith(`${id}/`))) log.state.rows.delete(k);
    expect(await outOfStep(store, store.state!, authority.publicKey)).toMatch(/no stats row for "total"/);
    const reasons: string[] = [];
    await prepareStateTables(store, authority.publicKey, logVerifier, { onRebuild: (r) => reasons.push(r) });
    expect(reasons).toHaveLength(1);
    expect(await outOfStep(store, store.state!, authority.publicKey)).toBe(undefined);
    await expectStatsRowsOf(store, authority.publicKey);
  });
});
