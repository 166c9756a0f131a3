// The registry's view over a store with state tables holds a partial state: it opens from the
// tables without replaying the log, the sequencer loads what each batch reads, evicts down to its
// cache between batches, and reads take the rest from the rows. These tests run the workloads of
// every statement kind with a cache of about two records (nearly everything a batch reads is
// loaded for it, and let go after), and compare what the registry serves with a replay of its log:
// records, statistics, rows; after a reopen; and on a read replica following the writer. The
// cache's budget is in bytes: records far larger than most (a long history, a manufacturer's
// many products) never take it past its budget between batches.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import {
  CATEGORY,
  labelIssued,
  reason,
  signStatement,
  statement,
  T0,
  testKey,
  type TestKey,
} from "../../test/domain-testkit.js";
import { labelBytes, stringListBytes } from "../domain/record-bytes.js";
import {
  authority,
  expectRowsOf,
  expiryWorkload,
  logVerifier,
  openRegistry,
  replayed,
  stateWorkload,
} from "../../test/state-rows-kit.js";
import type { Registry } from "../registry.js";
import type { LogStore } from "../store/port.js";
import type { Statement } from "../../proto/gen/messages/labelreg/v1/statement.js";
import { MemoryLog, openMemoryStore } from "../store/memory.js";
import { openSqliteStore } from "../store/sqlite.js";
import { productKey, type RegistryState } from "../domain/state.js";
import { LogView } from "./log-view.js";

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
/** A state cache of about two labels with their products and request ids (record-bytes.ts). */
const TWO_LABELS = 6 * 1024;
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

/** A writer and a read replica following it, on stores `open` gives, for `body`; both closed after. */
async function withReplica(
  open: () => Promise<LogStore>,
  body: (writer: Registry, replica: Registry, clock: { now: bigint }) => Promise<void>,
): Promise<void> {
  const clock = { now: T0 };
  const writer = await openRegistry(await open(), clock);
  const replica = await openRegistry(await open(), clock, { readOnly: true });
  try {
    await body(writer, replica, clock);
  } finally {
    await replica.close();
    await writer.close();
  }
}

/**
 * A writer with the state workload sequenced, and a view of its log caught up by hand (so that
 * what the writer sequences next reaches it in one catch-up), for `body`; both closed after.
 */
async function withHandView(
  backend: () => Promise<() => Promise<LogStore>>,
  body: (writer: Registry, view: LogView, clock: { now: bigint }) => Promise<void>,
): Promise<void> {
  const open = await backend();
  const clock = { now: T0 };
  const writer = await openRegistry(await open(), clock);
  const view = new LogView(await open(), authority.publicKey, undefined, logVerifier);
  try {
    await stateWorkload(writer, clock);
    await view.catchUp();
    await body(writer, view, clock);
  } finally {
    await view.store.close();
    await writer.close();
  }
}

/** `writer` sequences the authority's `kind` on label `labelId`, at the label's current version. */
async function authorityChange(
  writer: Registry,
  clock: { now: bigint },
  labelId: string,
  kind: Statement["kind"],
): Promise<void> {
  const [label] = await writer.view.records().labels([labelId]);
  await writer.submit(
    signStatement(authority, {
      ...statement(kind, { labelId, expectedLabelVersion: label!.version }),
      signedAtUnix: clock.now,
    }),
  );
}

/** What `view` serves for every label, product and manufacturer of `want`, and its statistics, equal `want`'s. */
async function expectServesAsReplay(view: LogView, store: LogStore): Promise<void> {
  const want = await replayed(store, authority.publicKey);
  const state: RegistryState = want.projected;
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
  it("sequences every statement kind with a cache of two labels, and serves what a replay gives", async () => {
    const store = await (await backend())();
    const clock = { now: T0 };
    const registry = await openRegistry(store, clock, { stateCacheBytes: TWO_LABELS });
    try {
      expect(registry.view.state.partial).toBe(true);
      await stateWorkload(registry, clock);
      await expiryWorkload(registry, clock);
      // Between batches the partial tables hold at most the cache's budget.
      expect(registry.view.state.cachedBytes).toBeGreaterThan(0);
      expect(registry.view.state.cachedBytes).toBeLessThanOrEqual(TWO_LABELS);
      await expectServesAsReplay(registry.view, store);
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
      await expectServesAsReplay(registry.view, store);
    } finally {
      await registry.close();
    }
  }, 120_000);

  it("keeps its records within the byte budget between batches, however large some records are", async () => {
    const store = await (await backend())();
    const clock = { now: T0 };
    const budget = 16 * 1024;
    const registry = await openRegistry(store, clock, { stateCacheBytes: budget });
    const big = testKey(20);
    const code = "91310000MA1FL8TQ3X";
    const submit = (key: TestKey, s: Statement) =>
      registry.submit(signStatement(key, { ...s, signedAtUnix: clock.now }));
    let mostHeld = 0;
    let batches = 0;
    const off = registry.view.onAdvance(() => {
      batches++;
      mostHeld = Math.max(mostHeld, registry.view.state.cachedBytes);
    });
    try {
      await submit(
        authority,
        statement({ $case: "categoryPublished", value: { categoryId: CATEGORY, name: "Cameras", description: "" } }),
      );
      await submit(
        authority,
        statement({
          $case: "issuerAccredited",
          value: {
            issuerId: "BIG",
            name: "Big",
            publicKey: big.publicKey,
            scope: [{ categoryId: CATEGORY, maxTier: 3 }],
          },
        }),
      );
      // A manufacturer with many products, in batches of many labels each.
      const products = 300;
      for (let from = 0; from < products; from += 50)
        await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            submit(
              big,
              statement(
                {
                  $case: "labelIssued",
                  value: labelIssued({
                    productModel: `BIG-${from + i}`,
                    manufacturer: { name: "Maker", registrationCode: code },
                  }),
                },
                { labelId: `BIG-${from + i}` },
              ),
            ),
          ),
        );
      // A label with a long history: the authority suspends and reinstates it, one batch each.
      let version = 1n;
      for (let i = 0; i < 100; i++)
        for (const kind of ["labelSuspended", "labelReinstated"] as const)
          await submit(
            authority,
            statement({ $case: kind, value: { reason: reason() } } as Statement["kind"], {
              labelId: "BIG-0",
              expectedLabelVersion: version++,
            }),
          );
      expect(batches).toBeGreaterThan(200);
      expect(mostHeld).toBeGreaterThan(0);
      expect(mostHeld).toBeLessThanOrEqual(budget);
      // Each of the two records alone is larger than the budget: a bound counting records (even
      // one per table) would have held both, and more.
      const [label] = await registry.view.records().labels(["BIG-0"]);
      const [list] = await registry.view.records().manufacturers([code]);
      expect(label!.history.length).toBe(201);
      expect(list!.length).toBe(products);
      expect(labelBytes("BIG-0", label)).toBeGreaterThan(budget);
      expect(stringListBytes(code, list)).toBeGreaterThan(budget);
      await expectServesAsReplay(registry.view, store);
    } finally {
      off();
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
      await expectServesAsReplay(reopened.view, reopened.view.store);
      await expiryWorkload(reopened, clock);
      await expectServesAsReplay(reopened.view, reopened.view.store);
    } finally {
      await reopened.close();
    }
  }, 120_000);

  it("a read replica follows the writer and serves what a replay gives", async () => {
    await withReplica(await backend(), async (writer, replica, clock) => {
      await stateWorkload(writer, clock);
      await reached(replica, writer.view.size);
      await expectServesAsReplay(replica.view, writer.view.store);
      await expiryWorkload(writer, clock);
      await reached(replica, writer.view.size);
      await expectServesAsReplay(replica.view, writer.view.store);
    });
  }, 120_000);

  it("a replica passing the revocation of a label it does not hold forgets that label's product alone", async () => {
    await withReplica(await backend(), async (writer, replica, clock) => {
      await stateWorkload(writer, clock);
      await reached(replica, writer.view.size);
      const revokedProduct = productKey("91110000600037341L", "R1");
      const otherProduct = productKey("91310000MA1FL8TQ3X", "EV-C200");
      const held = replica.view.state;
      await replica.view.records().products([revokedProduct, otherProduct]);
      expect(held.productLabels.isLoaded(revokedProduct)).toBe(true);
      expect(held.productLabels.isLoaded(otherProduct)).toBe(true);
      expect(held.labels.isLoaded("CCRC-3")).toBe(false);
      expect((await writer.view.records().labels(["CCRC-3"]))[0]!.productKey).toBe(revokedProduct);
      await authorityChange(writer, clock, "CCRC-3", { $case: "labelRevoked", value: { reason: reason() } });
      await reached(replica, writer.view.size);
      expect(replica.view.state).toBe(held);
      expect(held.productLabels.isLoaded(revokedProduct)).toBe(false);
      expect(held.liveByProduct.isLoaded(revokedProduct)).toBe(false);
      expect(held.productLabels.isLoaded(otherProduct)).toBe(true);
      expect(held.liveByProduct.isLoaded(otherProduct)).toBe(true);
      const [product] = await replica.view.records().products([revokedProduct]);
      expect(product!.labelIds).toContain("CCRC-3");
      expect(product!.liveLabelId).toBeUndefined();
      await expectServesAsReplay(replica.view, writer.view.store);
    });
  }, 120_000);

  it(
    "one catch-up passing revocations forgets exactly the revoked labels' products, held or not, and retries a failed read",
    () =>
      withHandView(backend, async (writer, view, clock) => {
        // CCRC-1 held, suspended and then revoked (the suspension forgets it); CCRC-3 not held.
        const heldLabelProduct = productKey("91310000MA1FL8TQ3X", "EV-C200");
        const unheldLabelProduct = productKey("91110000600037341L", "R1");
        const keptProduct = productKey("91110000600037341L", "X9");
        await view.records().products([heldLabelProduct, unheldLabelProduct, keptProduct]);
        await view.records().labels(["CCRC-1"]);
        expect(view.state.labels.isLoaded("CCRC-1")).toBe(true);
        expect(view.state.labels.isLoaded("CCRC-3")).toBe(false);
        const revoked = { $case: "labelRevoked", value: { reason: reason() } } as const;
        await authorityChange(writer, clock, "CCRC-1", { $case: "labelSuspended", value: { reason: reason() } });
        await authorityChange(writer, clock, "CCRC-1", revoked);
        await authorityChange(writer, clock, "CCRC-3", revoked);
        // The label rows' read failing fails the catch-up before any of the chunk is applied.
        const tables = view.store.state!;
        const readState = tables.readState.bind(tables);
        const failing = vi.spyOn(tables, "readState").mockImplementation(async (table, keys) => {
          if (table === "label") throw new Error("the store is down");
          return readState(table, keys);
        });
        const size = view.size;
        await expect(view.catchUp()).rejects.toThrow("the store is down");
        expect(view.size).toBe(size);
        expect(view.state.size).toBe(size);
        expect(view.state.labels.isLoaded("CCRC-1")).toBe(true);
        failing.mockRestore();
        expect(await view.catchUp()).toBe(writer.view.size);
        for (const key of [heldLabelProduct, unheldLabelProduct]) {
          expect(view.state.productLabels.isLoaded(key)).toBe(false);
          expect(view.state.liveByProduct.isLoaded(key)).toBe(false);
        }
        expect(view.state.productLabels.isLoaded(keptProduct)).toBe(true);
        expect(view.state.liveByProduct.isLoaded(keptProduct)).toBe(true);
        const products = await view.records().products([heldLabelProduct, unheldLabelProduct]);
        expect(products.map((p) => p!.liveLabelId)).toEqual([undefined, undefined]);
      }),
    120_000,
  );
  it(
    "a catch-up that a failed read stops after it applied entries goes on from there, applying none twice",
    () =>
      withHandView(backend, async (writer, view, clock) => {
        // Two batches: a category (applied to a partial state, not forgotten), then a suspension.
        await writer.submit(
          signStatement(authority, {
            ...statement({
              $case: "categoryPublished",
              value: { categoryId: "smart-meter", name: "Meters", description: "" },
            }),
            signedAtUnix: clock.now,
          }),
        );
        const firstCommitment = writer.view.size - 1;
        await authorityChange(writer, clock, "CCRC-3", { $case: "labelSuspended", value: { reason: reason() } });
        const secondCommitment = writer.view.size - 1;
        // The second commitment's check cannot read the stored map: the first batch is applied by then.
        const tables = view.store.state!;
        const readMapNodes = tables.readMapNodes.bind(tables);
        const failing = vi.spyOn(tables, "readMapNodes").mockImplementation(async (paths, version) => {
          if (version === secondCommitment) throw new Error("the store is down");
          return readMapNodes(paths, version);
        });
        const size = view.size;
        await expect(view.catchUp()).rejects.toThrow("the store is down");
        // Applied past the tree: the first batch, and the second's suspension, not its commitment.
        expect(view.size).toBe(size);
        expect(firstCommitment + 2).toBe(secondCommitment);
        expect(view.state.size).toBe(secondCommitment);
        expect(view.state.categories.has("smart-meter")).toBe(true);
        // Still down: the next catch-up fails at the same entry, and applies nothing more.
        await expect(view.catchUp()).rejects.toThrow("the store is down");
        expect(view.state.size).toBe(secondCommitment);
        failing.mockRestore();
        expect(await view.catchUp()).toBe(writer.view.size);
        expect(view.state.size).toBe(view.size);
        expect(view.checkpoint).toBe(writer.view.checkpoint);
        await expectServesAsReplay(view, writer.view.store);
      }),
    120_000,
  );
});
