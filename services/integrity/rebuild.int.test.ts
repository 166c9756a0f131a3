// The state tables' rows through the sequencer, and their rebuild from the log, on every store
// with state tables: after a workload of every statement kind the rows are exactly the codec of
// the records a replay of the log gives; a rebuild writes the same rows, and the map's nodes and
// values of the newest commitment (the same root and proofs); a forged log stops the rebuild at
// the entry, leaving the tables marked rebuildNeeded; a failed or lost append writes no rows.
import { describe, expect, it } from "vitest";
import { utf8 } from "../../log/bytes.js";
import { computeUpdateAsync, defaultMapHasher, mapKey, proveKeysAsync, type MapKeyKind } from "../../log/map/index.js";
import { T0, signStatement, statement } from "../../test/domain-testkit.js";
import { signedMemoryLog } from "../../test/signed-memory-log.js";
import {
  authority,
  expectRowsOf,
  logSigner,
  logVerifier,
  openRegistry,
  stateStoreBackends,
  expectStatsRowsOf,
  replayedState,
  rowsOf,
  scannedRows,
  stateWorkload,
  storedRows,
} from "../../test/state-rows-kit.js";
import { decodeLogEntry, encodeCommitmentEntry, isCommitment } from "../domain/decode.js";
import { isViolation } from "../domain/violation.js";
import type { Registry } from "../registry.js";
import { MapTouched } from "../domain/map-values.js";
import { storedMapAt } from "../store/map-nodes.js";
import { MEMORY_APPEND_STEPS, MemoryLog, openMemoryStore } from "../store/memory.js";
import type { LogStore } from "../store/port.js";
import { IntegrityError } from "./integrity-error.js";
import { rebuildState } from "./rebuild.js";
import { outOfStep } from "./state-start-up.js";

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
      const report = await rebuildState(store, authority.publicKey, logVerifier, (p) => progress.push(p.phase));
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
      expect(proofs).toEqual(registry.view.map.prove(commitment.size, keysOfMap));
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
    const entries = await honest();
    const commitments = entries.flatMap((b, i) => {
      const d = decodeLogEntry(b);
      return !isViolation(d) && isCommitment(d) ? [i] : [];
    });
    const index = commitments[Math.floor(commitments.length / 2)]!;
    const d = decodeLogEntry(entries[index]!);
    if (isViolation(d) || !isCommitment(d)) throw new Error("not a commitment");
    const root = d.commitment.root.slice();
    root[0]! ^= 1;
    const forged = entries.slice();
    forged[index] = encodeCommitmentEntry({ root, size: d.commitment.size }, d.sequencedAtUnix);
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
