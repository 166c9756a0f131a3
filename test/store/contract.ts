// The one contract every LogStore backend passes, unchanged: memory, SQLite, PostgreSQL, KurrentDB.
// A backend's test file calls describeLogStoreContract with a factory for fresh backing data.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesEqual, toHex } from "../../log/bytes.js";
import { HASH_SIZE } from "../../log/hash.js";
import { MAX_ENTRY_SIZE } from "../../log/bundle.js";
import {
  InvalidWriteError,
  SizeConflictError,
  StoreUnavailableError,
  type AppendBatch,
  type LogStore,
  type TileWrite,
} from "../../services/store/port.js";
import { describeStateContract } from "./state-contract.js";
import { syntheticBatch, syntheticEntry, syntheticNote, syntheticTile } from "./synthetic.js";

/** Fresh, empty backing data for one test (a database, a directory, a stream prefix...). */
export interface LogStoreBackend {
  /**
   * Opens a new store instance on this backing data. Every instance sees the same log, as separate
   * processes sharing a database would, and the data outlives the instance's close().
   */
  open(): Promise<LogStore>;
  /** Removes the backing data; called once every instance is closed. */
  cleanup(): Promise<void>;
}

/** How long a store may take to notice another instance's append before a test calls it lost. */
const GROWTH_NOTICE_MS = 2_000;

/** Runs `fn` on fresh backing data, closing whatever it opened and removing the data afterwards. */
async function withBackend<T>(
  factory: () => Promise<LogStoreBackend>,
  fn: (open: () => Promise<LogStore>) => Promise<T>,
): Promise<T> {
  const backend = await factory();
  const opened: LogStore[] = [];
  try {
    return await fn(async () => {
      const s = await backend.open();
      opened.push(s);
      return s;
    });
  } finally {
    for (const s of opened) await s.close();
    await backend.cleanup();
  }
}

function expectSameBytes(actual: readonly Uint8Array[], expected: readonly Uint8Array[], what: string): void {
  expect(actual.length, `${what}: count`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!bytesEqual(actual[i]!, expected[i]!)) {
      const show = (b: Uint8Array | undefined) => (b ? `${b.length} bytes ${toHex(b.subarray(0, 24))}…` : "none");
      expect.fail(`${what}: item ${i} differs: got ${show(actual[i])}, want ${show(expected[i])}`);
    }
  }
}

/** What a store must hold after `batches` were appended in order: the model the tests check against. */
function modelOf(batches: readonly AppendBatch[]) {
  const entries: Uint8Array[] = [];
  const tiles = new Map<string, TileWrite>();
  for (const b of batches) {
    entries.push(...b.entries);
    for (const t of b.tiles) {
      const key = `${t.level}/${t.index}`;
      if ((tiles.get(key)?.width ?? 0) < t.width) tiles.set(key, t);
    }
  }
  return { entries, tiles, checkpoint: batches.at(-1)?.checkpoint };
}

/** Checks that `store` holds exactly what appending `batches` in order produces. */
async function expectHolds(store: LogStore, batches: readonly AppendBatch[]): Promise<void> {
  const model = modelOf(batches);
  const size = model.entries.length;
  const cp = await store.latestCheckpoint();
  if (model.checkpoint === undefined) {
    expect(cp).toBeUndefined();
  } else {
    expect(cp?.size).toBe(size);
    expectSameBytes([cp!.note], [model.checkpoint], "checkpoint note");
  }
  expectSameBytes(await store.readEntries(0, size), model.entries, "entries");
  await expect(store.readEntries(0, size + 1)).rejects.toThrow(RangeError);
  for (const want of model.tiles.values()) {
    const got = await store.readTile(want.level, want.index);
    expect(got, `tile ${want.level}/${want.index}`).toMatchObject({
      level: want.level,
      index: want.index,
      width: want.width,
    });
    expectSameBytes([got!.data], [want.data], `tile ${want.level}/${want.index}`);
  }
}

/** Resolves with the promise's value, or fails the test if it takes longer than `ms`. */
async function within<T>(ms: number, p: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether `p` is still pending after `ms` milliseconds. */
async function stillPending(p: Promise<unknown>, ms: number): Promise<boolean> {
  const pending = Symbol("pending");
  const settled = p.then(
    () => "settled",
    () => "settled",
  );
  return (await Promise.race([settled, new Promise((r) => setTimeout(() => r(pending), ms))])) === pending;
}

/**
 * Registers the LogStore contract tests under `name`. `factory` makes fresh, empty backing data
 * for each test; backends that need a server call this only when one is reachable.
 */
export function describeLogStoreContract(name: string, factory: () => Promise<LogStoreBackend>): void {
  const run = <T>(fn: (open: () => Promise<LogStore>) => Promise<T>) => withBackend(factory, fn);

  describe(`LogStore contract: ${name}`, () => {
    it("starts empty", () =>
      run(async (open) => {
        const s = await open();
        expect(await s.latestCheckpoint()).toBeUndefined();
        expect(await s.readEntries(0, 0)).toEqual([]);
        await expect(s.readEntries(0, 1)).rejects.toThrow(RangeError);
        expect(await s.readTile(0, 0)).toBeUndefined();
        expect(await s.updateCheckpointNote(0, syntheticNote("x", 0))).toBe(false);
      }));

    it("appends at the expected size and reads back every byte", () =>
      run(async (open) => {
        const s = await open();
        const batches = [syntheticBatch("a", 0, 3), syntheticBatch("a", 3, 1), syntheticBatch("a", 4, 300)];
        for (const b of batches) await s.append(b);
        await expectHolds(s, batches);
        expect((await s.latestCheckpoint())?.size).toBe(304);
      }));

    it("refuses an append at a stale or future size with SizeConflictError and writes nothing", () =>
      run(async (open) => {
        const s = await open();
        const first = syntheticBatch("a", 0, 5);
        await s.append(first);
        for (const expectedSize of [0, 4, 6, 1000]) {
          const err = await s.append(syntheticBatch("b", expectedSize, 2, { tileSalt: "b" })).catch((e: unknown) => e);
          expect(err).toBeInstanceOf(SizeConflictError);
          expect(err).toMatchObject({ expectedSize, actualSize: 5 });
        }
        await expectHolds(s, [first]);
      }));

    it("lets exactly one of two concurrent appends at the same size win, on two instances", () =>
      run(async (open) => {
        const [s1, s2] = [await open(), await open()];
        const base = syntheticBatch("base", 0, 2);
        await s1.append(base);
        // Different counts, tiles and notes, so any part of the loser that leaked would show.
        const b1 = syntheticBatch("one", 2, 3, { tileSalt: "one" });
        const b2 = syntheticBatch("two", 2, 260, { tileSalt: "two" });
        const results = await Promise.allSettled([s1.append(b1), s2.append(b2)]);
        const won = results.filter((r) => r.status === "fulfilled");
        const lost = results.filter((r) => r.status === "rejected");
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(1);
        expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(SizeConflictError);
        const winner = results[0]!.status === "fulfilled" ? b1 : b2;
        await expectHolds(s1, [base, winner]);
        await expectHolds(s2, [base, winner]);
      }));

    it("lets exactly one of many concurrent appends at the same size win, on one instance and several", () =>
      run(async (open) => {
        const stores = [await open(), await open(), await open()];
        const batches = Array.from({ length: 9 }, (_, i) => syntheticBatch(`w${i}`, 0, i + 1, { tileSalt: `w${i}` }));
        const results = await Promise.allSettled(batches.map((b, i) => stores[i % stores.length]!.append(b)));
        const winners = results.flatMap((r, i) => (r.status === "fulfilled" ? [batches[i]!] : []));
        expect(winners).toHaveLength(1);
        for (const r of results) {
          if (r.status === "rejected") expect(r.reason).toBeInstanceOf(SizeConflictError);
        }
        for (const s of stores) await expectHolds(s, winners);
      }));

    it("refuses malformed batches with a typed error and writes nothing", () =>
      run(async (open) => {
        const s = await open();
        const first = syntheticBatch("a", 0, 300);
        await s.append(first);
        const ok = syntheticBatch("b", 300, 2);
        const tile = (t: Partial<TileWrite>): TileWrite => ({
          ...syntheticTile({ level: 0, index: 1, width: 46 }),
          ...t,
        });
        const invalid: [string, AppendBatch][] = [
          ["no entries", { ...ok, entries: [] }],
          ["an entry over 65,535 bytes", { ...ok, entries: [new Uint8Array(MAX_ENTRY_SIZE + 1)] }],
          ["a tile of width 0", { ...ok, tiles: [tile({ width: 0, data: new Uint8Array(0) })] }],
          ["a tile of width 257", { ...ok, tiles: [tile({ width: 257, data: new Uint8Array(257 * HASH_SIZE) })] }],
          ["tile data of the wrong length", { ...ok, tiles: [tile({ data: new Uint8Array(45 * HASH_SIZE) })] }],
          ["a tile past the new tree", { ...ok, tiles: [tile({ width: 47, data: new Uint8Array(47 * HASH_SIZE) })] }],
          [
            "a level-1 tile past the new tree",
            { ...ok, tiles: [tile({ level: 1, index: 0, width: 2, data: new Uint8Array(2 * HASH_SIZE) })] },
          ],
          ["a negative tile index", { ...ok, tiles: [tile({ index: -1 })] }],
          ["a fractional tile level", { ...ok, tiles: [tile({ level: 0.5 })] }],
          ["an empty checkpoint", { ...ok, checkpoint: new Uint8Array(0) }],
        ];
        for (const [what, batch] of invalid) {
          await expect(s.append(batch), what).rejects.toBeInstanceOf(InvalidWriteError);
        }
        for (const expectedSize of [-1, 1.5, Number.NaN, 2 ** 53]) {
          await expect(s.append({ ...ok, expectedSize }), `expectedSize ${expectedSize}`).rejects.toThrow(RangeError);
        }
        await expectHolds(s, [first]);
        await s.append(ok); // the valid batch itself is fine
        await expectHolds(s, [first, ok]);
      }));

    it("stores the empty log's checkpoint once, before anything else, and grows from it", () =>
      run(async (open) => {
        const [s, other] = [await open(), await open()];
        const empty: AppendBatch = { expectedSize: 0, entries: [], tiles: [], checkpoint: syntheticNote("empty", 0) };
        await s.append(empty);
        expect(await other.latestCheckpoint()).toEqual({ size: 0, note: empty.checkpoint });
        expect(await other.readEntries(0, 0)).toEqual([]);
        // Never stored twice, the same note or another: a lost race, nothing written.
        for (const again of [empty, { ...empty, checkpoint: syntheticNote("other", 0) }]) {
          await expect(other.append(again)).rejects.toBeInstanceOf(SizeConflictError);
        }
        expect(await s.latestCheckpoint()).toEqual({ size: 0, note: empty.checkpoint });
        // Witnesses may cosign it.
        const cosigned = syntheticNote("empty+witness", 0);
        expect(await s.updateCheckpointNote(0, cosigned)).toBe(true);
        expect(await other.latestCheckpoint()).toEqual({ size: 0, note: cosigned });
        // The first entries go on top of it, and followers see the growth.
        const grown = other.waitForGrowth(0);
        const first = syntheticBatch("a", 0, 3);
        await s.append(first);
        expect(await grown).toBe(3);
        await expectHolds(other, [first]);
        await expect(s.append(empty)).rejects.toBeInstanceOf(SizeConflictError);
        expect(await s.updateCheckpointNote(0, cosigned)).toBe(false);
        await expectHolds(s, [first]);
      }));

    it("lets exactly one of concurrent empty-log checkpoints win, and none once the log has entries", () =>
      run(async (open) => {
        const stores = [await open(), await open()];
        const notes = [0, 1, 2, 3].map((i) => syntheticNote(`empty${i}`, 0));
        const results = await Promise.allSettled(
          notes.map((checkpoint, i) => stores[i % 2]!.append({ expectedSize: 0, entries: [], tiles: [], checkpoint })),
        );
        const won = results.flatMap((r, i) => (r.status === "fulfilled" ? [notes[i]!] : []));
        expect(won).toHaveLength(1);
        for (const r of results) if (r.status === "rejected") expect(r.reason).toBeInstanceOf(SizeConflictError);
        for (const s of stores) expect(await s.latestCheckpoint()).toEqual({ size: 0, note: won[0] });
      }));

    it("keeps empty entries and entries of the maximum size", () =>
      run(async (open) => {
        const s = await open();
        const max = syntheticEntry("max", 1, MAX_ENTRY_SIZE);
        const batch = { ...syntheticBatch("a", 0, 3), entries: [new Uint8Array(0), max, new Uint8Array([0])] };
        await s.append(batch);
        await expectHolds(s, [batch]);
      }));

    it("reads entry ranges and refuses ranges outside the tree", () =>
      run(async (open) => {
        const s = await open();
        const batches = [syntheticBatch("a", 0, 4), syntheticBatch("a", 4, 6)];
        for (const b of batches) await s.append(b);
        const all = modelOf(batches).entries;
        for (const [start, end] of [
          [0, 0],
          [0, 10],
          [3, 5],
          [4, 10],
          [9, 10],
          [10, 10],
          [2, 3],
        ] as const) {
          expectSameBytes(await s.readEntries(start, end), all.slice(start, end), `range [${start}, ${end})`);
        }
        for (const [start, end] of [
          [0, 11],
          [10, 11],
          [11, 11],
          [5, 4],
          [-1, 2],
          [0.5, 2],
          [0, Number.NaN],
        ] as const) {
          await expect(s.readEntries(start, end), `range [${start}, ${end})`).rejects.toThrow(RangeError);
        }
      }));

    it("counts stored entries from an index (where the store can), none past the checkpoint", () =>
      run(async (open) => {
        const s = await open();
        if (!s.countEntriesFrom) return;
        expect(await s.countEntriesFrom(0)).toBe(0);
        for (const b of [syntheticBatch("a", 0, 4), syntheticBatch("a", 4, 6)]) await s.append(b);
        expect(await s.countEntriesFrom(0)).toBe(10);
        expect(await s.countEntriesFrom(7)).toBe(3);
        expect(await s.countEntriesFrom(10)).toBe(0);
        await expect(s.countEntriesFrom(-1)).rejects.toThrow(RangeError);
      }));

    it("widens tiles, never narrows them, and never changes a full tile", () =>
      run(async (open) => {
        const s = await open();
        const t = (width: number, salt: string) => syntheticTile({ level: 0, index: 0, width }, salt);
        const at = (expectedSize: number, count: number, tiles: TileWrite[]): AppendBatch => ({
          ...syntheticBatch("a", expectedSize, count),
          tiles,
        });
        await s.append(at(0, 3, [t(3, "x")]));
        expect((await s.readTile(0, 0))?.width).toBe(3);
        await s.append(at(3, 7, [t(10, "x")]));
        expect(await s.readTile(0, 0)).toMatchObject({ level: 0, index: 0, width: 10, data: t(10, "x").data });
        await s.append(at(10, 1, [t(5, "narrow")]));
        expect(await s.readTile(0, 0)).toMatchObject({ width: 10, data: t(10, "x").data });
        await s.append(at(11, 245, [t(256, "x")]));
        expect(await s.readTile(0, 0)).toMatchObject({ width: 256, data: t(256, "x").data });
        await s.append(at(256, 1, [t(256, "other"), syntheticTile({ level: 0, index: 1, width: 1 })]));
        expect(await s.readTile(0, 0)).toMatchObject({ width: 256, data: t(256, "x").data });
        expect((await s.readTile(0, 1))?.width).toBe(1);
        expect(await s.readTile(1, 0)).toBeUndefined();
        await expect(s.readTile(-1, 0)).rejects.toThrow(RangeError);
      }));

    it("serves the latest checkpoint and updates its note only at its size", () =>
      run(async (open) => {
        const [s, other] = [await open(), await open()];
        await s.append(syntheticBatch("a", 0, 2));
        expect(await s.latestCheckpoint()).toEqual({ size: 2, note: syntheticNote("a", 2) });
        const cosigned = syntheticNote("a+witness", 2);
        expect(await s.updateCheckpointNote(2, cosigned)).toBe(true);
        expect(await other.latestCheckpoint()).toEqual({ size: 2, note: cosigned });
        expect(await s.updateCheckpointNote(3, syntheticNote("future", 3))).toBe(false);
        await expect(s.updateCheckpointNote(2, new Uint8Array(0))).rejects.toBeInstanceOf(InvalidWriteError);
        await expect(s.updateCheckpointNote(-2, cosigned)).rejects.toThrow(RangeError);
        const next = syntheticBatch("a", 2, 1);
        await other.append(next);
        expect(await s.updateCheckpointNote(2, syntheticNote("stale", 2))).toBe(false);
        expect(await s.latestCheckpoint()).toEqual({ size: 3, note: next.checkpoint });
      }));

    it("copies what it is given and what it returns", () =>
      run(async (open) => {
        const s = await open();
        const batch = syntheticBatch("a", 0, 2);
        const pristine = syntheticBatch("a", 0, 2);
        await s.append(batch);
        batch.entries[0]!.fill(7);
        batch.checkpoint.fill(7);
        batch.tiles[0]!.data.fill(7);
        (await s.readEntries(0, 2))[1]!.fill(7);
        (await s.latestCheckpoint())!.note.fill(7);
        (await s.readTile(0, 0))!.data.fill(7);
        await expectHolds(s, [pristine]);
      }));

    it("waitForGrowth resolves at once when the tree is already larger", () =>
      run(async (open) => {
        const s = await open();
        await s.append(syntheticBatch("a", 0, 4));
        expect(await within(GROWTH_NOTICE_MS, s.waitForGrowth(0), "wait(0)")).toBe(4);
        expect(await within(GROWTH_NOTICE_MS, s.waitForGrowth(3), "wait(3)")).toBe(4);
        await expect(s.waitForGrowth(-1)).rejects.toThrow(RangeError);
      }));

    it("waitForGrowth resolves on an append by another store instance, and by its own", () =>
      run(async (open) => {
        const [follower, writer] = [await open(), await open()];
        const first = follower.waitForGrowth(0);
        const second = follower.waitForGrowth(0);
        expect(await stillPending(first, 50)).toBe(true);
        await writer.append(syntheticBatch("a", 0, 3));
        expect(await within(GROWTH_NOTICE_MS, first, "wait after another instance's append")).toBe(3);
        expect(await within(GROWTH_NOTICE_MS, second, "second waiter")).toBe(3);
        const later = follower.waitForGrowth(3);
        expect(await stillPending(later, 20)).toBe(true);
        await follower.append(syntheticBatch("a", 3, 1));
        expect(await within(GROWTH_NOTICE_MS, later, "wait after its own append")).toBe(4);
      }));

    it("waitForGrowth rejects when aborted, before or during the wait, and on close", () =>
      run(async (open) => {
        const s = await open();
        await expect(s.waitForGrowth(0, AbortSignal.abort())).rejects.toMatchObject({ name: "AbortError" });
        const ac = new AbortController();
        const waiting = s.waitForGrowth(0, ac.signal);
        expect(await stillPending(waiting, 20)).toBe(true);
        ac.abort();
        await expect(within(GROWTH_NOTICE_MS, waiting, "aborted wait")).rejects.toMatchObject({ name: "AbortError" });
        const reason = new Error("shutting down");
        const custom = new AbortController();
        const waiting2 = s.waitForGrowth(0, custom.signal);
        custom.abort(reason);
        await expect(waiting2).rejects.toBe(reason);
        // Observed before close() returns: closing (a writer thread's exit) may take longer than a tick.
        const acrossClose = expect(
          within(GROWTH_NOTICE_MS, s.waitForGrowth(0), "wait across close"),
        ).rejects.toBeInstanceOf(StoreUnavailableError);
        await s.close();
        await acrossClose;
        await expect(s.append(syntheticBatch("a", 0, 1))).rejects.toBeInstanceOf(StoreUnavailableError);
        await expect(s.latestCheckpoint()).rejects.toBeInstanceOf(StoreUnavailableError);
        await s.close(); // idempotent
      }));

    it("keeps everything across close and reopen", () =>
      run(async (open) => {
        const s = await open();
        const batches = [
          syntheticBatch("a", 0, 255),
          syntheticBatch("a", 255, 2),
          syntheticBatch("a", 257, 65_280, { lengthOf: () => 0 }),
        ];
        for (const b of batches) await s.append(b);
        const cosigned = syntheticNote("cosigned", 65_537);
        expect(await s.updateCheckpointNote(65_537, cosigned)).toBe(true);
        await s.close();
        const again = await open();
        const last = { ...batches[2]!, checkpoint: cosigned };
        await expectHolds(again, [batches[0]!, batches[1]!, last]);
        expect((await again.readTile(2, 0))?.width).toBe(1);
        const more = syntheticBatch("a", 65_537, 1);
        await again.append(more);
        await expectHolds(again, [batches[0]!, batches[1]!, last, more]);
      }));

    it("appends a batch of 4,096 entries of up to 65,535 bytes", () =>
      run(async (open) => {
        const s = await open();
        const lengthOf = (i: number) => (i % 16 === 0 ? MAX_ENTRY_SIZE : 16 + ((i * 131) % 2048));
        const big = syntheticBatch("big", 0, 4096, { lengthOf });
        await s.append(big);
        const reader = await open();
        await expectHolds(reader, [big]);
      }));

    it("appends many batches and reads across their boundaries", () =>
      run(async (open) => {
        const s = await open();
        const batches: AppendBatch[] = [];
        for (let size = 0, i = 0; i < 150; i++) {
          const b = syntheticBatch("m", size, 1 + ((i * 7) % 23));
          await s.append(b);
          batches.push(b);
          size += b.entries.length;
        }
        await expectHolds(s, batches);
        const all = modelOf(batches).entries;
        for (let start = 0; start < all.length; start += 97) {
          const end = Math.min(all.length, start + 131);
          expectSameBytes(await s.readEntries(start, end), all.slice(start, end), `range [${start}, ${end})`);
        }
      }));

    it("behaves like the model under random sequences of operations", async () => {
      const op = fc.oneof(
        fc.record({
          kind: fc.constant("append" as const),
          count: fc.integer({ min: 1, max: 300 }),
          stale: fc.boolean(),
        }),
        fc.record({ kind: fc.constant("cosign" as const), delta: fc.integer({ min: -2, max: 1 }) }),
        fc.record({ kind: fc.constant("read" as const), a: fc.nat(), b: fc.nat() }),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(op, { maxLength: 10 }), (ops) =>
          run(async (open) => {
            const [s, t] = [await open(), await open()];
            const applied: AppendBatch[] = [];
            let size = 0;
            for (const [n, o] of ops.entries()) {
              const store = n % 2 === 0 ? s : t;
              if (o.kind === "append") {
                const at = o.stale && size > 0 ? size - 1 : size;
                const b = syntheticBatch(`r${n}`, at, o.count, { tileSalt: String(n) });
                if (at === size) {
                  await store.append(b);
                  applied.push(b);
                  size += o.count;
                } else {
                  await expect(store.append(b)).rejects.toBeInstanceOf(SizeConflictError);
                }
              } else if (o.kind === "cosign") {
                const at = size + o.delta;
                if (at < 0) continue;
                const note = syntheticNote(`cosign${n}`, at);
                const ok = await store.updateCheckpointNote(at, note);
                expect(ok).toBe(size > 0 && at === size);
                if (ok) applied[applied.length - 1] = { ...applied.at(-1)!, checkpoint: note };
              } else {
                const [start, end] = [o.a % (size + 2), o.b % (size + 2)];
                if (start <= end && end <= size) {
                  expectSameBytes(
                    await store.readEntries(start, end),
                    modelOf(applied).entries.slice(start, end),
                    "range",
                  );
                } else {
                  await expect(store.readEntries(start, end)).rejects.toThrow(RangeError);
                }
              }
            }
            await expectHolds(t, applied);
          }),
        ),
        { numRuns: 15 },
      );
    });
  });

  describeStateContract(name, run);
}
