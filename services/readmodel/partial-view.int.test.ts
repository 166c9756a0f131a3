// The registry's view over a store with state tables holds a partial state: it opens from the
// tables without replaying the log, the sequencer loads what each batch reads, evicts down to its
// cache between batches, and reads take the rest from the rows. These tests run the workloads of
// every statement kind with a cache of two records per table (nearly everything a batch reads is
// loaded for it, and let go after), and compare what the registry serves with a replay of its log:
// records, statistics, rows; after a reopen; and on a read replica following the writer.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { signStatement, statement, T0, reason } from "../../test/domain-testkit.js";
import {
  authority,
  expectRowsOf,
  expiryWorkload,
  openRegistry,
  replayed,
  stateWorkload,
} from "../../test/state-rows-kit.js";
import type { Registry } from "../registry.js";
import type { LogStore } from "../store/port.js";
import { MemoryLog, openMemoryStore } from "../store/memory.js";
import { openSqliteStore } from "../store/sqlite.js";
import type { RegistryState } from "../domain/state.js";

const backends: [string, () => Promise<() => Promise<LogStore>>][] = [
  [
    "memory",
    async () => {
      const log = new MemoryLog();
      return async () => openMemoryStore(log);
    },
  ],
  [
    "SQLite",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "labelreg-partial-"));
      dirs.push(dir);
      return async () => openSqliteStore({ dir });
    },
  ],
];
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Resolves once `registry`'s view has reached `size` (a replica's follower brings it there). */
async function reached(registry: Registry, size: number): Promise<void> {
  for (let i = 0; registry.view.size < size; i++) {
    if (i > 200) throw new Error(`the view is at ${registry.view.size}, not ${size}`);
    await registry.view.advancedPast(registry.view.size, 100);
  }
}

/** What `registry` serves for every label, product and manufacturer of `want`, and its statistics, equal `want`'s. */
async function expectServesAsReplay(registry: Registry, store: LogStore): Promise<void> {
  const want = await replayed(store, authority.publicKey);
  const state: RegistryState = want.projected;
  const view = registry.view;
  expect(view.size).toBe(state.size);
  const records = view.records();
  const labelIds = [...state.labels.keys()];
  expect(await records.labels(labelIds)).toEqual(labelIds.map((id) => state.labels.get(id)));
  const products = [...state.productLabels.keys()];
  expect(
    (await records.products(products)).map((p) => p && { labelIds: p.labelIds, liveLabelId: p.liveLabelId }),
  ).toEqual(products.map((k) => ({ labelIds: state.productLabels.get(k), liveLabelId: state.liveByProduct.get(k) })));
  const codes = [...state.manufacturerProducts.keys()];
  expect(await records.manufacturers(codes)).toEqual(codes.map((c) => state.manufacturerProducts.get(c)));
  expect(await records.labels(["NOPE-1"])).toEqual([undefined]);
  // (Loaded in key order, not in log order.)
  expect(new Map(view.state.issuers)).toEqual(new Map(state.issuers));
  expect(new Map(view.state.keys)).toEqual(new Map(state.keys));
  expect(new Map(view.state.categories)).toEqual(new Map(state.categories));
  expect((await view.currentStats()).snapshot(view.state, "")).toEqual(want.stats.snapshot(state, ""));
  expect(await expectRowsOf(store, state)).toBeGreaterThan(0);
}

describe.each(backends)("a partial view on %s", (_name, backend) => {
  it("sequences every statement kind with a cache of two records, and serves what a replay gives", async () => {
    const store = await (await backend())();
    const clock = { now: T0 };
    const registry = await openRegistry(store, clock, { stateCacheRecords: 2 });
    try {
      expect(registry.view.state.partial).toBe(true);
      await stateWorkload(registry, clock);
      await expiryWorkload(registry, clock);
      // Between batches the partial tables hold at most the cache's size.
      expect(registry.view.state.labels.size).toBeLessThanOrEqual(2);
      expect(registry.view.state.requests.size).toBeLessThanOrEqual(2);
      await expectServesAsReplay(registry, store);
      // A label the cache let go is read again for the next change: its version is the stored one.
      const receipt = await registry.submit(
        signStatement(authority, {
          ...statement(
            { $case: "labelSuspended", value: { reason: reason() } },
            { labelId: "CCRC-4", expectedLabelVersion: 1n },
          ),
          signedAtUnix: clock.now,
        }),
      );
      expect(receipt.index).toBeGreaterThan(0);
      await expectServesAsReplay(registry, store);
    } finally {
      await registry.close();
    }
  }, 120_000);

  it("reopens from the state tables as the replay, and goes on sequencing", async () => {
    const open = await backend();
    const clock = { now: T0 };
    const first = await openRegistry(await open(), clock);
    await stateWorkload(first, clock);
    await first.close();
    const reopened = await openRegistry(await open(), clock);
    try {
      expect(reopened.view.state.partial).toBe(true);
      // Nothing but the issuers, keys and catalogue is loaded until a batch or a read needs it.
      expect(reopened.view.state.labels.size).toBe(0);
      await expectServesAsReplay(reopened, reopened.view.store);
      await expiryWorkload(reopened, clock);
      await expectServesAsReplay(reopened, reopened.view.store);
    } finally {
      await reopened.close();
    }
  }, 120_000);

  it("a read replica follows the writer and serves what a replay gives", async () => {
    const open = await backend();
    const clock = { now: T0 };
    const writer = await openRegistry(await open(), clock);
    const store = writer.view.store;
    const replica = await openRegistry(await open(), clock, { readOnly: true });
    try {
      await stateWorkload(writer, clock);
      await reached(replica, writer.view.size);
      await expectServesAsReplay(replica, store);
      await expiryWorkload(writer, clock);
      await reached(replica, writer.view.size);
      await expectServesAsReplay(replica, store);
    } finally {
      await replica.close();
      await writer.close();
    }
  }, 120_000);
});
