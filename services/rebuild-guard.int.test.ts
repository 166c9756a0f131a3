// No batch is sequenced over state tables marked for a rebuild: a sequencer whose store's tables
// are being rebuilt (by another process) is refused by the store, answers UNAVAILABLE naming the
// rebuild and writes nothing; a standby promoted to sequencer checks the tables first, as a
// sequencer's start-up does, and rebuilds them when they fail the check.
import { describe, expect, it } from "vitest";
import { T0 } from "../test/domain-testkit.js";
import {
  authority,
  categoryStatement as category,
  expectRowsOf,
  logVerifier,
  openRegistry,
  replayed,
  sharedMemoryAndSqlite,
  stateWorkload,
} from "../test/state-rows-kit.js";
import { toHex } from "../log/bytes.js";
import { computeUpdateAsync, defaultMapHasher } from "../log/map/index.js";
import { decodeLogEntry, isCommitment } from "./domain/decode.js";
import { isViolation } from "./domain/violation.js";
import { rebuildState } from "./integrity/rebuild.js";
import { outOfStep } from "./integrity/state-start-up.js";
import { MemoryLog, openMemoryStore } from "./store/memory.js";
import type { LogStore } from "./store/port.js";
import { storedMapAt } from "./store/map-nodes.js";

/** Store instances on one backing log, as processes sharing a database open them. */
const backends = sharedMemoryAndSqlite("labelreg-guard-");

/**
 * The tables are in step with the whole log: every row the replay gives, the start-up check
 * passes, and the stored map's root at the newest commitment is the commitment's.
 */
async function expectInStep(store: LogStore): Promise<void> {
  expect(await store.state!.status()).toMatchObject({ rebuildNeeded: false });
  const replay = await replayed(store, authority.publicKey);
  await expectRowsOf(store, replay.projected);
  expect(await outOfStep(store, store.state!, authority.publicKey)).toBe(undefined);
  const size = (await store.latestCheckpoint())!.size;
  const newest = decodeLogEntry((await store.readEntries(size - 1, size))[0]!);
  if (isViolation(newest) || !isCommitment(newest)) throw new Error("the log does not end with a commitment");
  const stored = await computeUpdateAsync(storedMapAt(store.state!, defaultMapHasher, size - 1), defaultMapHasher, []);
  expect(toHex(stored.root)).toBe(toHex(newest.commitment.root));
}

/** A standby sequencer on `store`, noting why it rebuilds the state tables in `reasons`. */
const openStandby = (store: LogStore, clock: { now: bigint }, reasons: string[]) =>
  openRegistry(store, clock, { standby: true, onStateRebuild: (r) => reasons.push(r) });

describe.each(backends)("no sequencing over state tables marked for a rebuild, on %s", (_name, shared) => {
  it("a sequencer answers UNAVAILABLE state-rebuilding while another process rebuilds, writing nothing; the retry commits after it", async () => {
    const open = shared();
    const clock = { now: T0 };
    const store = await open();
    const registry = await openRegistry(store, clock);
    const other = await open();
    try {
      await stateWorkload(registry, clock);
      const size = registry.view.size;
      await other.state!.beginRebuild(size);
      const signed = category("during-rebuild", clock);
      await expect(registry.submit(signed)).rejects.toMatchObject({
        code: "UNAVAILABLE",
        rule: "state-rebuilding",
        message: expect.stringMatching(/state tables are being rebuilt and nothing was written/),
      });
      expect((await store.latestCheckpoint())?.size).toBe(size);
      expect(registry.view.size).toBe(size);
      expect(await store.state!.status()).toMatchObject({ size, rebuildNeeded: true, mapFloor: 0 });

      await rebuildState(other, authority.publicKey, logVerifier);
      const receipt = await registry.submit(signed);
      expect(receipt.index).toBe(size);
      // The batch's map commitment is the one a replay gives (replayedState checks every root).
      await expectInStep(store);
      expect((await store.state!.readState("category", ["during-rebuild"])).values[0]).toBeDefined();
    } finally {
      await registry.close();
      await other.close();
    }
  });

  it("a standby promoted over tables left marked for a rebuild rebuilds them before it sequences", async () => {
    const open = shared();
    const clock = { now: T0 };
    const first = await openRegistry(await open(), clock);
    await stateWorkload(first, clock);
    const size = first.view.size;
    const reasons: string[] = [];
    const standby = await openStandby(await open(), clock, reasons);
    try {
      // The sequencer began a rebuild and stopped before it finished (a crash, or it lost the lease).
      await first.view.store.state!.beginRebuild(size);
      await first.close();
      expect(reasons).toEqual([]);
      await expect(standby.submit(category("early", clock))).rejects.toMatchObject({ rule: "not-sequencer" });

      await standby.promote();
      expect(reasons).toHaveLength(1);
      expect(reasons[0]).toMatch(/marked as needing a rebuild/);
      const store = standby.view.store;
      await expectInStep(store);
      const receipt = await standby.submit(category("after-promotion", clock));
      expect(receipt.index).toBe(size);
      await expectInStep(store);
    } finally {
      await standby.close();
    }
  });

  it("a standby that opened while the tables were marked rebuilds them on promotion, then leaves sequencing to one that opens over them", async () => {
    const open = shared();
    const clock = { now: T0 };
    const first = await openRegistry(await open(), clock);
    await stateWorkload(first, clock);
    const size = first.view.size;
    await first.view.store.state!.beginRebuild(size);
    await first.close();
    // Its view keeps the map in memory: batches it sequenced would write rows but not the
    // map's nodes into the tables the promotion rebuilds.
    const reasons: string[] = [];
    const early = await openStandby(await open(), clock, reasons);
    try {
      await expect(early.promote()).rejects.toThrow(/state map is in memory.*restart/);
      expect(reasons).toHaveLength(1);
      expect(early.readOnly).toBe(true);
      await expect(early.submit(category("refused", clock))).rejects.toMatchObject({ rule: "not-sequencer" });
      await expectInStep(early.view.store);
    } finally {
      await early.close();
    }
    const later = await openStandby(await open(), clock, reasons);
    try {
      await later.promote();
      expect(reasons).toHaveLength(1);
      expect((await later.submit(category("after-promotion", clock))).index).toBe(size);
      await expectInStep(later.view.store);
    } finally {
      await later.close();
    }
  });

  it("a standby promoted over tables in step does not rebuild them", async () => {
    const open = shared();
    const clock = { now: T0 };
    const first = await openRegistry(await open(), clock);
    await stateWorkload(first, clock);
    const reasons: string[] = [];
    const standby = await openStandby(await open(), clock, reasons);
    try {
      await first.close();
      await standby.promote();
      expect(reasons).toEqual([]);
      await standby.submit(category("after-promotion", clock));
      await expectInStep(standby.view.store);
    } finally {
      await standby.close();
    }
  });
});

describe("a promoted standby over a memory log whose newest batch's rows are damaged", () => {
  it("finds them out of step and rebuilds them before it sequences", async () => {
    const log = new MemoryLog();
    const clock = { now: T0 };
    const first = await openRegistry(openMemoryStore(log), clock);
    await stateWorkload(first, clock);
    await first.submit(category("newest", clock));
    await first.close();
    const reasons: string[] = [];
    const standby = await openStandby(openMemoryStore(log), clock, reasons);
    try {
      // The newest batch's category row, lost behind the store's back (table 6: category).
      const categoryRows = [...log.state.rows.keys()].filter((k) => k.startsWith("6/"));
      expect(categoryRows.length).toBeGreaterThan(1);
      const newest = categoryRows.find((k) => Buffer.from(k.slice(2), "hex").toString() === "newest")!;
      log.state.rows.delete(newest);
      await standby.promote();
      expect(reasons).toHaveLength(1);
      expect(reasons[0]).toMatch(/the newest batch's rows fail the start-up check/);
      await expectInStep(standby.view.store);
      await standby.submit(category("after-promotion", clock));
      await expectInStep(standby.view.store);
    } finally {
      await standby.close();
    }
  });
});
