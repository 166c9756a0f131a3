// The stored map against the map in memory, over random update sequences: a writer whose nodes
// live in a store (with a node cache of random size, down to none), and a follower reading the
// same store with its own cache, give the same roots and the same proofs, at every kept version,
// as a StateMap in memory; pruning in the background never takes a kept version away.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defaultMapHasher, proveKeysAsync, type MapEntry } from "../../log/map/index.js";
import { syntheticBatch } from "../../test/store/synthetic.js";
import { encodeCommitmentEntry } from "../domain/decode.js";
import { MemoryLog, openMemoryStore } from "../store/memory.js";
import { MemoryMapStorage } from "./map-storage.js";
import { StateMap } from "./state-map.js";
import { PRUNE_EVERY_COMMITMENTS, StoredMapStorage } from "./stored-map.js";

const KEYS = 48;
const keyOf = (i: number) => defaultMapHasher.digest(new Uint8Array([i, 7]));
const cacheSizes = fc.constantFrom(0, 700, 4000, 1 << 20);

describe("StateMap over the store's tables", () => {
  it("agrees with the map in memory at every kept version, cached or not, writer or follower", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            updates: fc.array(fc.record({ key: fc.nat(KEYS - 1), value: fc.uint8Array({ maxLength: 3 }) }), {
              minLength: 1,
              maxLength: 12,
            }),
            reads: fc.array(fc.record({ back: fc.nat(6), keys: fc.array(fc.nat(KEYS + 8), { maxLength: 6 }) }), {
              maxLength: 3,
            }),
          }),
          { minLength: 1, maxLength: 30 },
        ),
        cacheSizes,
        cacheSizes,
        fc.integer({ min: 1, max: 5 }),
        async (batches, writerCache, followerCache, keep) => {
          const log = new MemoryLog();
          const store = openMemoryStore(log);
          const tables = store.state!;
          const writerStorage = new StoredMapStorage(tables, defaultMapHasher, writerCache, 0);
          const writer = new StateMap(keep, writerStorage, {
            readEntry: () => Promise.resolve(undefined),
            oldest: () => writerStorage.oldest,
          });
          const follower = new StoredMapStorage(tables, defaultMapHasher, followerCache, 0);
          follower.warmOnPass = true;
          const reference = new StateMap(keep, new MemoryMapStorage());
          const versions: number[] = [];
          for (const { updates, reads } of batches) {
            const values: MapEntry[] = updates.map((u) => ({ key: keyOf(u.key), value: u.value }));
            const count = 1 + (updates.length % 3);
            const version = log.size + count - 1;
            const prepared = await writer.prepare(values, version);
            const expected = await reference.prepare(values, version);
            expect(prepared.update.root).toEqual(expected.update.root);
            await store.append({ ...syntheticBatch("w", log.size, count), state: prepared.write! });
            writer.commit(prepared, 0n);
            reference.commit(expected, 0n);
            await follower.passed(version, () => values.map((v) => v.key));
            versions.push(version);
            for (const r of reads) {
              const at = versions[Math.max(0, versions.length - 1 - Math.min(r.back, keep - 1))]!;
              const keys = r.keys.map(keyOf);
              const want = await reference.prove(at, keys);
              expect(await writer.prove(at, keys)).toEqual(want);
              expect(await proveKeysAsync(follower.nodesAt(at), keys)).toEqual(want);
              expect(await writer.rootAt(at)).toEqual((await reference.commitment(at))!.root);
            }
          }
          // The writer's store lets old versions go now and then, never a kept one.
          await new Promise((r) => setImmediate(r));
          const status = await tables.status();
          if (versions.length > keep + PRUNE_EVERY_COMMITMENTS) expect(status.mapFloor).toBeGreaterThan(0);
          expect(status.mapFloor).toBeLessThanOrEqual(versions[Math.max(0, versions.length - keep)]!);
          for (const at of versions.slice(-keep)) {
            const keys = Array.from({ length: KEYS }, (_, i) => keyOf(i));
            expect(await writer.prove(at, keys)).toEqual(await reference.prove(at, keys));
          }
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe("StateMap.resume", () => {
  it("answers from the stored map at once: the newest commitment from its entry, older kept ones on demand", async () => {
    const log = new MemoryLog();
    const store = openMemoryStore(log);
    const tables = store.state!;
    const writer = new StateMap(3, new StoredMapStorage(tables, defaultMapHasher, 1 << 20, 0));
    const reference = new StateMap(3, new MemoryMapStorage());
    const versions: number[] = [];
    for (let b = 0; b < 6; b++) {
      const values = [0, 1, 2].map((k) => ({ key: keyOf(3 * b + k), value: new Uint8Array([b, k]) }));
      const batch = syntheticBatch("w", log.size, 3);
      const version = log.size + 2;
      const prepared = await writer.prepare(values, version);
      reference.commit(await reference.prepare(values, version), 0n);
      const entries = [
        ...batch.entries.slice(0, 2),
        encodeCommitmentEntry({ root: prepared.update.root, size: BigInt(version) }, 5n),
      ];
      await store.append({ ...batch, entries, state: prepared.write! });
      writer.commit(prepared, 5n);
      versions.push(version);
    }
    const storage = new StoredMapStorage(tables, defaultMapHasher, 1 << 20, versions[2]!);
    const resumed = new StateMap(3, storage, {
      readEntry: async (i) => (await store.readEntries(i, i + 1))[0],
      oldest: () => storage.oldest,
    });
    expect(await resumed.resume(log.size)).toMatchObject({ size: versions.at(-1), sequencedAtUnix: 5n });
    expect(resumed.latest?.root).toEqual((await reference.commitment(versions.at(-1)!))!.root);
    const keys = Array.from({ length: 20 }, (_, i) => keyOf(i));
    for (const at of versions.slice(-3)) expect(await resumed.prove(at, keys)).toEqual(await reference.prove(at, keys));
    // Below the store's floor, and at an entry that is no commitment: not kept.
    expect(await resumed.commitment(versions[1]!)).toBeUndefined();
    expect(await resumed.commitment(versions.at(-1)! - 1)).toBeUndefined();
    await expect(resumed.prove(versions[1]!, keys)).rejects.toThrow(/no kept map commitment/);
  });
});
