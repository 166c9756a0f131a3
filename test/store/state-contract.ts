// The state tables' part of the store contract (services/store/state.ts), run by
// describeLogStoreContract for every backend: state written in the append that carries it and
// nowhere else, versioned map nodes, pruning, the rebuild's guard, reopening; and the state map
// (log/map) run over a store's node table, giving the roots and proofs of the in-memory map.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesEqual, toHex, utf8 } from "../../log/bytes.js";
import {
  defaultMapHasher,
  pathBytes,
  proveKeys,
  proveKeysAsync,
  computeUpdateAsync,
  VersionedMemoryMapNodeStore,
  computeUpdate,
} from "../../log/map/index.js";
import { mapStateWrite, storedMapAt } from "../../services/store/map-nodes.js";
import {
  InvalidWriteError,
  RebuildSupersededError,
  SizeConflictError,
  StateRebuildingError,
  type AppendBatch,
  type LogStore,
} from "../../services/store/port.js";
import {
  MapVersionPrunedError,
  MAX_STATE_KEY_BYTES,
  type MapLeaf,
  MAX_STATE_VALUE_BYTES,
  type RebuildToken,
  type StateTables,
  type StateWrite,
} from "../../services/store/state.js";
import { syntheticBatch } from "./synthetic.js";

type Run = <T>(fn: (open: () => Promise<LogStore>) => Promise<T>) => Promise<T>;

const hasher = defaultMapHasher;
const key32 = (seed: number) => {
  const k = new Uint8Array(32);
  for (let i = 0; i < 32; i++) k[i] = (seed * 37 + i * 11) & 0xff;
  return k;
};
/** pathBytes of the position of `depth` bits of key32(seed). */
const path = (seed: number, depth: number) => pathBytes({ key: key32(seed), depth });
const node = (tag: string) => utf8(`\x02node ${tag}`.padEnd(12, "."));
const value = (v: string) => ({ bytes: utf8(v), hash: hasher.digest(utf8(v)) });

/** A synthetic batch of `count` entries at `at` carrying `state`. */
const withState = (writer: string, at: number, count: number, state: StateWrite): AppendBatch => ({
  ...syntheticBatch(writer, at, count),
  state,
});

function tables(s: LogStore): StateTables {
  if (!s.state) throw new Error("no state tables");
  return s.state;
}

const same = (a: (Uint8Array | undefined)[], b: (Uint8Array | undefined)[]) =>
  expect(a.map((x) => x && toHex(x))).toEqual(b.map((x) => x && toHex(x)));

/** Everything a test wrote, read back, to compare two stores' tables (or one before and after). */
async function snapshot(st: StateTables, keys: string[], paths: Uint8Array[], versions: number[], leaves: MapLeaf[]) {
  const rows = await st.readState("label", keys);
  const nodes = [];
  for (const v of versions) nodes.push((await st.readMapNodes(paths, v)).map((x) => x && toHex(x)));
  return {
    rows: rows.values.map((x) => x && toHex(x)),
    nodes,
    values: (await st.readMapValues(leaves)).map((x) => x && toHex(x)),
  };
}

export function describeStateContract(name: string, run: Run): void {
  describe(`state tables contract: ${name}`, () => {
    it("writes a batch's state with it, readable from every instance, and updates and deletes rows", () =>
      run(async (open) => {
        const [s, other] = [await open(), await open()];
        if (!s.state) {
          // A store without state tables refuses a state part rather than dropping it.
          await expect(s.append(withState("a", 0, 1, { rows: [] }))).rejects.toBeInstanceOf(InvalidWriteError);
          return;
        }
        expect(await tables(other).status()).toMatchObject({ size: 0, rebuildNeeded: false, mapFloor: 0 });
        const a = value("value a");
        await s.append(
          withState("a", 0, 3, {
            rows: [
              { table: "label", key: "L1", value: utf8("one") },
              { table: "label", key: "L2", value: utf8("two") },
              { table: "product", key: utf8("L1"), value: utf8("a product") },
              { table: "requestId", key: new Uint8Array([0, 255, 7]), value: new Uint8Array(0) },
            ],
            nodes: [{ path: path(1, 0), version: 2, node: node("root") }],
            values: [{ key: key32(1), version: 2, hash: a.hash, value: a.bytes }],
          }),
        );
        const st = tables(other);
        const read = await st.readState("label", ["L1", "L2", "L3", utf8("L1")]);
        expect(read.size).toBe(3);
        same(read.values, [utf8("one"), utf8("two"), undefined, utf8("one")]);
        same((await st.readState("product", ["L1", "L2"])).values, [utf8("a product"), undefined]);
        same((await st.readState("requestId", [new Uint8Array([0, 255, 7])])).values, [new Uint8Array(0)]);
        same(await st.readMapNodes([path(1, 0), path(2, 0), path(1, 5)], 2), [node("root"), node("root"), undefined]);
        same(
          await st.readMapValues([
            { key: key32(1), hash: a.hash },
            { key: key32(1), hash: hasher.digest(utf8("nope")) },
            { key: key32(2), hash: a.hash }, // another key's leaf with the same value hash
          ]),
          [a.bytes, undefined, undefined],
        );
        expect(await st.readState("label", [])).toEqual({ size: 3, values: [] });
        expect(await st.readMapNodes([], 2)).toEqual([]);

        await other.append(
          withState("a", 3, 2, {
            rows: [
              { table: "label", key: "L1", value: utf8("one, changed") },
              { table: "label", key: "L2", value: null },
              { table: "label", key: "never there", value: null },
            ],
          }),
        );
        const after = await tables(s).readState("label", ["L1", "L2", "never there"]);
        expect(after.size).toBe(5);
        same(after.values, [utf8("one, changed"), undefined, undefined]);
        // A batch without a state part changes no state.
        await s.append(syntheticBatch("a", 5, 1));
        same((await st.readState("label", ["L1"])).values, [utf8("one, changed")]);
        expect(await st.status()).toMatchObject({ size: 6, rebuildNeeded: false, mapFloor: 0 });
        await expect(st.readState("nope" as "label", ["x"])).rejects.toThrow(RangeError);
        await expect(st.readState("label", ["x".repeat(MAX_STATE_KEY_BYTES + 1)])).rejects.toThrow(RangeError);
        await expect(st.readMapNodes([new Uint8Array([3, 0xff])], 1)).rejects.toThrow(RangeError);
        await expect(st.readMapValues([{ key: key32(1), hash: new Uint8Array(31) }])).rejects.toThrow(RangeError);
        await expect(st.readMapValues([{ key: new Uint8Array(31), hash: a.hash }])).rejects.toThrow(RangeError);
      }));

    it("scans a table's rows in bytewise key order, in pages, without other tables' rows or deleted ones", () =>
      run(async (open) => {
        const s = await open();
        if (!s.state) return;
        // Keys that order differently as bytes and as UTF-16 strings, prefixes of each other, and 0xff.
        const keys = [
          new Uint8Array([]),
          new Uint8Array([0]),
          new Uint8Array([1]),
          new Uint8Array([1, 0]),
          new Uint8Array([1, 0xff]),
          new Uint8Array([0x7f]),
          new Uint8Array([0xff]),
          new Uint8Array([0xff, 0xff, 0]),
          utf8("\u00e9"),
          utf8("\uffff"),
          utf8("\u{1f600}"),
        ];
        await s.append(
          withState("a", 0, 2, {
            rows: [
              ...keys.map((key, i) => ({ table: "category" as const, key, value: utf8(`v${i}`) })),
              { table: "issuer", key: new Uint8Array([0, 1]), value: utf8("other table") },
            ],
          }),
        );
        await s.append(withState("a", 2, 1, { rows: [{ table: "category", key: keys[5]!, value: null }] }));
        const live = keys.map((key, i) => ({ key: toHex(key), value: `v${i}` })).filter((_, i) => i !== 5);
        const expected = [...live].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
        const st = tables(await open());
        for (const limit of [1, 2, 3, 64]) {
          const seen: { key: string; value: string }[] = [];
          let after: Uint8Array | undefined;
          for (;;) {
            const page = await st.scanState("category", after, limit);
            expect(page.size).toBe(3);
            expect(page.rows.length).toBeLessThanOrEqual(limit);
            seen.push(...page.rows.map((r) => ({ key: toHex(r.key), value: new TextDecoder().decode(r.value) })));
            if (page.rows.length < limit) break;
            after = page.rows[page.rows.length - 1]!.key;
          }
          expect(seen).toEqual(expected);
        }
        // After a key that is not there: the rows after where it would be.
        const tail = await st.scanState("category", new Uint8Array([1, 0, 0]), 2);
        expect(tail.rows.map((r) => toHex(r.key))).toEqual(["01ff", "c3a9"]);
        expect((await st.scanState("label", undefined, 10)).rows).toEqual([]);
        await expect(st.scanState("category", undefined, 0)).rejects.toThrow(RangeError);
        await expect(st.scanState("category", undefined, 65_537)).rejects.toThrow(RangeError);
        await expect(st.scanState("nope" as "label", undefined, 1)).rejects.toThrow(RangeError);
      }));

    it("writes no state for a lost compare-and-set, and only the winner's of a race", () =>
      run(async (open) => {
        const [s1, s2] = [await open(), await open()];
        if (!s1.state) return;
        await s1.append(syntheticBatch("base", 0, 2));
        const stateOf = (w: string, count: number): StateWrite => ({
          rows: [
            { table: "label", key: "shared", value: utf8(w) },
            { table: "label", key: `only-${w}`, value: utf8(w) },
          ],
          nodes: [{ path: path(9, 3), version: 2 + count - 1, node: node(w) }],
          values: [{ key: key32(9), version: 2 + count - 1, hash: value(w).hash, value: value(w).bytes }],
        });
        const results = await Promise.allSettled([
          s1.append(withState("one", 2, 3, stateOf("one", 3))),
          s2.append(withState("two", 2, 5, stateOf("two", 5))),
        ]);
        const winner = results[0]!.status === "fulfilled" ? "one" : "two";
        const loser = winner === "one" ? "two" : "one";
        expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
        for (const st of [tables(s1), tables(s2)]) {
          const read = await st.readState("label", ["shared", `only-${winner}`, `only-${loser}`]);
          same(read.values, [utf8(winner), utf8(winner), undefined]);
          expect(read.size).toBe(winner === "one" ? 5 : 7);
          same(await st.readMapNodes([path(9, 3)], 100), [node(winner)]);
          same(
            await st.readMapValues([
              { key: key32(9), hash: value(winner).hash },
              { key: key32(9), hash: value(loser).hash },
            ]),
            [value(winner).bytes, undefined],
          );
        }
        // A stale append with state: refused, nothing of it written.
        const size = winner === "one" ? 5 : 7;
        await expect(
          s1.append(withState("stale", 2, 1, { rows: [{ table: "label", key: "stale", value: utf8("x") }] })),
        ).rejects.toBeInstanceOf(SizeConflictError);
        same((await tables(s2).readState("label", ["stale"])).values, [undefined]);
        expect((await tables(s2).status()).size).toBe(size);
      }));

    it("refuses a malformed state part with InvalidWriteError and writes nothing of the batch", () =>
      run(async (open) => {
        const s = await open();
        if (!s.state) return;
        await s.append(syntheticBatch("a", 0, 4));
        const good = { table: "label" as const, key: "good", value: utf8("good") };
        const okNode = { path: path(1, 9), version: 5, node: node("n") };
        const okValue = { key: key32(1), version: 5, hash: value("v").hash, value: value("v").bytes };
        const invalid: [string, StateWrite][] = [
          ["an unknown table", { rows: [good, { ...good, table: "nope" as "label" }] }],
          ["a key over the limit", { rows: [good, { ...good, key: "k".repeat(MAX_STATE_KEY_BYTES + 1) }] }],
          [
            "a value over the limit",
            { rows: [good, { ...good, key: "x", value: new Uint8Array(MAX_STATE_VALUE_BYTES + 1) }] },
          ],
          [
            "a value that is not bytes",
            { rows: [good, { ...good, key: "x", value: "text" as unknown as Uint8Array }] },
          ],
          ["a key written twice", { rows: [good, { ...good, value: null }] }],
          ["a key written twice, as string and bytes", { rows: [good, { ...good, key: utf8("good") }] }],
          [
            "a path whose length is not its depth's",
            { rows: [good], nodes: [{ ...okNode, path: new Uint8Array([9, 1]) }] },
          ],
          [
            "a path with bits past its depth",
            { rows: [good], nodes: [{ ...okNode, path: new Uint8Array([3, 0x1f]) }] },
          ],
          ["a node version before the batch", { rows: [good], nodes: [{ ...okNode, version: 3 }] }],
          ["a node version past the batch", { rows: [good], nodes: [{ ...okNode, version: 6 }] }],
          ["a fractional node version", { rows: [good], nodes: [{ ...okNode, version: 4.5 }] }],
          ["an empty node", { rows: [good], nodes: [{ ...okNode, node: new Uint8Array(0) }] }],
          ["a node written twice at one version", { rows: [good], nodes: [okNode, okNode] }],
          ["a map key of 31 bytes", { rows: [good], values: [{ ...okValue, key: new Uint8Array(31) }] }],
          ["a value hash of 33 bytes", { rows: [good], values: [{ ...okValue, hash: new Uint8Array(33) }] }],
          ["a value version past the batch", { rows: [good], values: [{ ...okValue, version: 6 }] }],
          ["a value written twice at one version", { rows: [good], values: [okValue, okValue] }],
          ["rows that are not a list", { rows: good as unknown as [] }],
        ];
        for (const [what, state] of invalid) {
          await expect(s.append(withState("b", 4, 2, state)), what).rejects.toBeInstanceOf(InvalidWriteError);
        }
        await expect(
          s.append({ expectedSize: 0, entries: [], tiles: [], checkpoint: utf8("x"), state: {} }),
        ).rejects.toBeInstanceOf(InvalidWriteError);
        const st = tables(s);
        expect((await st.status()).size).toBe(4);
        same((await st.readState("label", ["good"])).values, [undefined]);
        same(await st.readMapNodes([okNode.path], 10), [undefined]);
        same(await st.readMapValues([okValue]), [undefined]);
        // The same batch, well formed, is fine.
        await s.append(withState("b", 4, 2, { rows: [good], nodes: [okNode], values: [okValue] }));
        same((await st.readState("label", ["good"])).values, [utf8("good")]);
      }));

    it("reads each node and value at the greatest version at or below the one asked, and prunes below a floor", () =>
      run(async (open) => {
        const s = await open();
        if (!s.state) return;
        const st = tables(s);
        const p = path(4, 7);
        const lone = path(5, 12);
        const vals = ["at 2", "at 5", "at 9"].map(value);
        // Versions 2, 5, 9 at one position and one map key; a position written only at 2.
        await s.append(
          withState("a", 0, 3, {
            nodes: [
              { path: p, version: 2, node: node("2") },
              { path: lone, version: 2, node: node("lone") },
            ],
            values: [{ key: key32(4), version: 2, hash: vals[0]!.hash, value: vals[0]!.bytes }],
          }),
        );
        await s.append(
          withState("a", 3, 3, {
            nodes: [{ path: p, version: 5, node: node("5") }],
            values: [{ key: key32(4), version: 5, hash: vals[1]!.hash, value: vals[1]!.bytes }],
          }),
        );
        await s.append(
          withState("a", 6, 4, {
            nodes: [{ path: p, version: 9, node: node("9") }],
            values: [{ key: key32(4), version: 9, hash: vals[2]!.hash, value: vals[2]!.bytes }],
          }),
        );
        const expected = (v: number) => (v < 2 ? undefined : v < 5 ? node("2") : v < 9 ? node("5") : node("9"));
        for (const v of [0, 1, 2, 3, 4, 5, 8, 9, 10, 1_000_000, Number.MAX_SAFE_INTEGER]) {
          same(await st.readMapNodes([p, lone], v), [expected(v), v < 2 ? undefined : node("lone")]);
        }
        same(
          await st.readMapValues(vals.map((x) => ({ key: key32(4), hash: x.hash }))),
          vals.map((x) => x.bytes),
        );
        await expect(st.readMapNodes([p], -1)).rejects.toThrow(RangeError);

        await st.pruneMap(6);
        expect((await st.status()).mapFloor).toBe(6);
        for (const v of [6, 8, 9, 10]) same(await st.readMapNodes([p, lone], v), [expected(v), node("lone")]);
        for (const v of [0, 2, 5]) await expect(st.readMapNodes([p], v)).rejects.toBeInstanceOf(MapVersionPrunedError);
        // The value of version 2 is read by no kept version; those of 5 (read at 6..8) and 9 are.
        const kept = await st.readMapValues(vals.map((x) => ({ key: key32(4), hash: x.hash })));
        same(kept.slice(1), [vals[1]!.bytes, vals[2]!.bytes]);
        expect(kept[0]).toBeUndefined();
        await st.pruneMap(3); // below the floor: nothing
        expect((await st.status()).mapFloor).toBe(6);
        await expect(st.pruneMap(11)).rejects.toThrow(RangeError);
        await st.pruneMap(10);
        same(await st.readMapNodes([p, lone], 10), [node("9"), node("lone")]);
        same(await st.readMapValues([vals[1]!, vals[2]!].map((x) => ({ key: key32(4), hash: x.hash }))), [
          undefined,
          vals[2]!.bytes,
        ]);
        // Appends go on above the floor.
        await s.append(withState("a", 10, 1, { nodes: [{ path: p, version: 10, node: node("10") }] }));
        same(await st.readMapNodes([p], 10), [node("10")]);
      }));

    it("rebuilds only at an unmoved tree size, marks the tables until a rebuild finishes, and gives identical tables", () =>
      run(async (open) => {
        const [s, other] = [await open(), await open()];
        if (!s.state) return;
        const st = tables(s);
        const v = value("v");
        const part: StateWrite = {
          rows: [
            { table: "label", key: "A", value: utf8("a") },
            { table: "label", key: "B", value: utf8("b") },
          ],
          nodes: [
            { path: path(1, 0), version: 1, node: node("r1") },
            { path: path(1, 0), version: 2, node: node("r2") },
          ],
          values: [{ key: key32(1), version: 2, hash: v.hash, value: v.bytes }],
        };
        await s.append(withState("a", 0, 2, { ...part, nodes: part.nodes!.slice(0, 1), values: [] }));
        await s.append(withState("a", 2, 1, { nodes: part.nodes!.slice(1), values: part.values }));
        const look = () => snapshot(st, ["A", "B", "C"], [path(1, 0)], [2, 3], [{ key: key32(1), hash: v.hash }]);
        const before = await look();

        await expect(st.beginRebuild(2)).rejects.toBeInstanceOf(SizeConflictError);
        const never = 1 as RebuildToken; // none begun
        await expect(st.writeRebuild(never, 3, part)).rejects.toThrow(/no rebuild 1 was begun on this store/);
        await expect(st.finishRebuild(never, 3)).rejects.toBeInstanceOf(InvalidWriteError);
        await expect(st.finishRebuild(0 as RebuildToken, 3)).rejects.toBeInstanceOf(RangeError);
        expect(await st.status()).toMatchObject({ size: 3, rebuildNeeded: false, mapFloor: 0 });

        const first = await st.beginRebuild(3);
        expect(await tables(other).status()).toMatchObject({ size: 3, rebuildNeeded: true, mapFloor: 0 });
        same((await st.readState("label", ["A"])).values, [undefined]);
        await st.writeRebuild(first, 3, { rows: part.rows });
        // An append in between: every later step at the old size loses, and the mark stays.
        await other.append(syntheticBatch("a", 3, 1));
        await expect(st.writeRebuild(first, 3, { nodes: part.nodes })).rejects.toBeInstanceOf(SizeConflictError);
        await expect(st.finishRebuild(first, 3)).rejects.toBeInstanceOf(SizeConflictError);
        expect((await st.status()).rebuildNeeded).toBe(true);

        // Again at the new size, in several parts; map versions must be below the size.
        const token = await st.beginRebuild(4);
        expect(token).toBeGreaterThan(first);
        await expect(
          st.writeRebuild(token, 4, { nodes: [{ path: path(1, 0), version: 4, node: node("x") }] }),
        ).rejects.toBeInstanceOf(InvalidWriteError);
        await st.writeRebuild(token, 4, { rows: part.rows });
        await st.writeRebuild(token, 4, { nodes: part.nodes });
        await st.writeRebuild(token, 4, { values: part.values });
        await st.finishRebuild(token, 4);
        // The floor is the newest version the rebuild wrote: older ones read as pruned, never as
        // a map the log did not commit.
        expect(await tables(other).status()).toMatchObject({ size: 4, rebuildNeeded: false, mapFloor: 2 });
        expect(await look()).toEqual(before);
        await expect(st.readMapNodes([path(1, 0)], 1)).rejects.toBeInstanceOf(MapVersionPrunedError);
        await expect(st.finishRebuild(token, 4)).rejects.toThrow(/no state rebuild was begun/);
        // An append supersedes a value the rebuild wrote; a prune past it lets the rebuild's go.
        const w = value("after the rebuild");
        await s.append(withState("a", 4, 1, { values: [{ key: key32(1), version: 4, hash: w.hash, value: w.bytes }] }));
        await st.pruneMap(4);
        same(await st.readMapValues([v, w].map((x) => ({ key: key32(1), hash: x.hash }))), [undefined, w.bytes]);
      }));

    it("refuses an append with state while the tables are marked for a rebuild, writing nothing; one without state goes on", () =>
      run(async (open) => {
        const [s, other] = [await open(), await open()];
        if (!s.state) return;
        const st = tables(s);
        const v = value("kept");
        await s.append(
          withState("a", 0, 2, {
            rows: [{ table: "label", key: "A", value: utf8("a") }],
            nodes: [{ path: path(5, 0), version: 1, node: node("1") }],
            values: [{ key: key32(5), version: 1, hash: v.hash, value: v.bytes }],
          }),
        );
        const stale = await st.beginRebuild(2);
        await st.writeRebuild(stale, 2, { rows: [{ table: "label", key: "A", value: utf8("rebuilt") }] });
        const w = value("refused");
        const refused = withState("a", 2, 2, {
          rows: [
            { table: "label", key: "A", value: utf8("over a rebuild") },
            { table: "label", key: "B", value: utf8("b") },
          ],
          nodes: [{ path: path(5, 0), version: 3, node: node("3") }],
          values: [{ key: key32(6), version: 3, hash: w.hash, value: w.bytes }],
        });
        const look = () =>
          snapshot(
            tables(other),
            ["A", "B"],
            [path(5, 0)],
            [3],
            [
              { key: key32(5), hash: v.hash },
              { key: key32(6), hash: w.hash },
            ],
          );
        const before = await look();
        for (const writer of [s, other]) {
          const e = await writer.append(refused).catch((x: unknown) => x);
          expect(e).toBeInstanceOf(StateRebuildingError);
          expect(e).toBeInstanceOf(InvalidWriteError);
          expect((e as Error).message).toMatch(/state-rebuilding: the state tables are being rebuilt/);
          // An empty state part is a state part too.
          await expect(writer.append(withState("a", 2, 2, {}))).rejects.toBeInstanceOf(StateRebuildingError);
        }
        expect(await look()).toEqual(before);
        expect(await tables(other).status()).toMatchObject({ size: 2, rebuildNeeded: true, mapFloor: 0 });
        expect((await other.latestCheckpoint())?.size).toBe(2);
        await expect(other.readEntries(2, 3)).rejects.toThrow(RangeError);

        // Without state the append goes on (a store without state tables, say); the rebuild,
        // guarded by the size, must start over at the new one.
        await other.append(syntheticBatch("a", 2, 1));
        expect(await st.status()).toMatchObject({ size: 3, rebuildNeeded: true, mapFloor: 0 });
        await expect(st.finishRebuild(stale, 2)).rejects.toBeInstanceOf(SizeConflictError);
        await expect(s.append(withState("a", 3, 1, { rows: [] }))).rejects.toBeInstanceOf(StateRebuildingError);

        const token = await st.beginRebuild(3);
        await st.writeRebuild(token, 3, { rows: [{ table: "label", key: "A", value: utf8("a") }] });
        await st.finishRebuild(token, 3);
        await other.append(withState("a", 3, 2, { rows: [{ table: "label", key: "B", value: utf8("b") }] }));
        same((await st.readState("label", ["A", "B"])).values, [utf8("a"), utf8("b")]);
        expect(await st.status()).toMatchObject({ size: 5, rebuildNeeded: false, mapFloor: 0 });
      }));

    it("never lets an append with state and a racing beginRebuild both succeed", () =>
      run(async (open) => {
        const [s, other] = [await open(), await open()];
        if (!s.state) return;
        let size = 0;
        for (let round = 0; round < 8; round++) {
          const row = { table: "label" as const, key: `R${round}`, value: utf8(`${round}`) };
          const [appended, begun] = await Promise.allSettled([
            s.append(withState("a", size, 1, { rows: [row] })),
            tables(other).beginRebuild(size),
          ]);
          if (appended.status === "fulfilled") {
            // The append came first: the rebuild's guard saw the tree move.
            expect(begun.status === "rejected" && begun.reason).toBeInstanceOf(SizeConflictError);
            size++;
          } else {
            // The rebuild came first: the append saw the mark and wrote nothing.
            if (begun.status !== "fulfilled") throw begun.reason;
            expect(appended.reason).toBeInstanceOf(StateRebuildingError);
            expect(await tables(s).status()).toMatchObject({ size, rebuildNeeded: true, mapFloor: 0 });
            await tables(other).finishRebuild(begun.value, size);
          }
          same((await tables(s).readState("label", [row.key])).values, [
            appended.status === "fulfilled" ? row.value : undefined,
          ]);
        }
      }));

    it("refuses every step of a rebuild another beginRebuild superseded, writing nothing, and lets the newer one finish", () =>
      run(async (open) => {
        const [s, other] = [await open(), await open()];
        if (!s.state) return;
        await s.append(syntheticBatch("a", 0, 2));
        const [st, ot] = [tables(s), tables(other)];
        const v = { a: value("a's value"), b: value("b's value") };
        const rows = (who: string, keys: string[]) => ({
          rows: keys.map((k) => ({ table: "label" as const, key: k, value: utf8(`${who} ${k}`) })),
        });
        const look = () =>
          snapshot(
            ot,
            ["A1", "A2", "B1", "both"],
            [path(7, 0)],
            [1],
            [v.a, v.b].map((x) => ({ key: key32(7), hash: x.hash })),
          );

        // A begins and writes a part; B begins on another instance (as another process would),
        // clearing A's part, and writes its own.
        const a = await st.beginRebuild(2);
        await st.writeRebuild(a, 2, rows("a", ["A1", "both"]));
        const b = await ot.beginRebuild(2);
        expect(b).toBeGreaterThan(a);
        await ot.writeRebuild(b, 2, rows("b", ["B1", "both"]));
        const before = await look();
        expect(before.rows).toEqual([undefined, undefined, toHex(utf8("b B1")), toHex(utf8("b both"))]);

        // Every later step of A is refused, whatever it holds: rows, nodes, values, the finish.
        // The token is checked first: a superseded rebuild stops even if the tree moved too.
        for (const attempt of [
          () => st.writeRebuild(a, 2, rows("a", ["A2", "both"])),
          () => st.writeRebuild(a, 2, { nodes: [{ path: path(7, 0), version: 1, node: node("a") }] }),
          () => st.writeRebuild(a, 2, { values: [{ key: key32(7), version: 1, hash: v.a.hash, value: v.a.bytes }] }),
          () => st.writeRebuild(a, 3, rows("a", ["A2"])),
          () => st.finishRebuild(a, 2),
          () => ot.finishRebuild(a, 2),
        ]) {
          const e = await attempt().catch((x: unknown) => x);
          expect(e).toBeInstanceOf(RebuildSupersededError);
          expect(e).toBeInstanceOf(InvalidWriteError);
          expect(e).toMatchObject({ token: a, newest: b });
          expect((e as Error).message).toMatch(
            new RegExp(
              `rebuild-superseded: rebuild ${a} of the state tables was superseded by rebuild ${b}.*nothing was written`,
            ),
          );
        }
        expect(await look()).toEqual(before);
        expect(await ot.status()).toMatchObject({ size: 2, rebuildNeeded: true, mapFloor: 0 });

        // B goes on and finishes; the tables hold what B wrote and nothing of A's.
        await ot.writeRebuild(b, 2, { nodes: [{ path: path(7, 0), version: 1, node: node("b") }] });
        await ot.writeRebuild(b, 2, { values: [{ key: key32(7), version: 1, hash: v.b.hash, value: v.b.bytes }] });
        await ot.finishRebuild(b, 2);
        expect(await st.status()).toMatchObject({ size: 2, rebuildNeeded: false, mapFloor: 1 });
        expect(await look()).toEqual({
          rows: [undefined, undefined, toHex(utf8("b B1")), toHex(utf8("b both"))],
          nodes: [[toHex(node("b"))]],
          values: [undefined, toHex(v.b.bytes)],
        });
        // A stays refused after B finished: it must not write into tables marked in step.
        await expect(st.writeRebuild(a, 2, rows("a", ["A2"]))).rejects.toBeInstanceOf(RebuildSupersededError);
        await expect(st.finishRebuild(a, 2)).rejects.toBeInstanceOf(RebuildSupersededError);
        expect((await st.readState("label", ["A2"])).values).toEqual([undefined]);
      }));

    it("records when each rebuild step ran, by the store's clock: status gives the newest token and its last step's age; an empty part is a heartbeat, refused once superseded", () =>
      run(async (open) => {
        const [s, other] = [await open(), await open()];
        if (!s.state) return;
        await s.append(withState("a", 0, 2, { rows: [{ table: "label", key: "A", value: utf8("a") }] }));
        const [st, ot] = [tables(s), tables(other)];
        expect(await ot.status()).toMatchObject({
          rebuildToken: 0,
          rebuildStepAgeMs: undefined,
          rebuildUnderWay: false,
        });
        const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
        // Runs `step`, waits, and reads the status: its age is the time since the last step
        // recorded, which must lie between the time since `since` ended and since it began.
        const agedSince = async (since: { start: number; done: number }, waitMs: number) => {
          await sleep(waitMs);
          const r0 = Date.now();
          const status = await ot.status();
          const r1 = Date.now();
          expect(status.rebuildStepAgeMs).toBeGreaterThanOrEqual(r0 - since.done - 2);
          expect(status.rebuildStepAgeMs).toBeLessThanOrEqual(r1 - since.start + 2);
          return status;
        };
        const timed = async (step: () => Promise<unknown>) => {
          const start = Date.now();
          await step();
          return { start, done: Date.now() };
        };

        let a!: RebuildToken;
        const began = await timed(async () => (a = await st.beginRebuild(2)));
        expect(await agedSince(began, 0)).toMatchObject({
          rebuildNeeded: true,
          rebuildToken: a,
          rebuildUnderWay: true,
        });
        expect(await agedSince(began, 60)).toMatchObject({ rebuildToken: a });
        // An empty part is a step that writes nothing, on every backend: a heartbeat.
        for (const empty of [{}, { rows: [], nodes: [], values: [] }]) {
          const beat = await timed(() => st.writeRebuild(a, 2, empty));
          await agedSince(beat, 30);
        }
        expect((await ot.scanState("label", undefined, 10)).rows).toEqual([]);
        const written = await timed(() =>
          st.writeRebuild(a, 2, { rows: [{ table: "label", key: "A", value: utf8("again") }] }),
        );
        // A refused step records nothing: the age still runs from the last step that ran.
        await expect(st.writeRebuild(a, 3, {})).rejects.toBeInstanceOf(SizeConflictError);
        await agedSince(written, 40);

        // Superseded, a heartbeat is refused like any step, writing and recording nothing.
        let b!: RebuildToken;
        const newer = await timed(async () => (b = await ot.beginRebuild(2)));
        await sleep(40);
        const e = await st.writeRebuild(a, 2, {}).catch((x: unknown) => x);
        expect(e).toBeInstanceOf(RebuildSupersededError);
        expect(e).toMatchObject({ token: a, newest: b });
        expect(await agedSince(newer, 0)).toMatchObject({ rebuildNeeded: true, rebuildToken: b });
        const finished = await timed(() => ot.finishRebuild(b, 2));
        expect(await agedSince(finished, 30)).toMatchObject({
          rebuildNeeded: false,
          rebuildToken: b,
          rebuildUnderWay: false,
        });
        await expect(ot.writeRebuild(b, 2, {})).rejects.toThrow(/no state rebuild was begun/);

        // Both are kept: a store opened afresh reads them.
        await s.close();
        const again = await open();
        expect(await tables(again).status()).toMatchObject({ rebuildNeeded: false, rebuildToken: b });
        expect((await tables(again).status()).rebuildStepAgeMs).toBeGreaterThanOrEqual(Date.now() - finished.done - 2);
      }));

    it("lets only the last begun of overlapping rebuilds finish, its parts alone in the tables, whatever the interleaving", async () => {
      // Two rebuilds of one store, each begin, two parts, finish, their steps interleaved at
      // random. A model: a step of a rebuild that is not the newest begun is refused; the tables
      // then hold exactly the parts the newest wrote since it began.
      const steps = ["begin", "part 0", "part 1", "finish"] as const;
      const arb = fc.array(fc.boolean(), { minLength: steps.length * 2, maxLength: steps.length * 2 });
      await run(async (open) => {
        const instances = [await open(), await open()];
        if (!instances[0]!.state) return;
        await instances[0]!.append(syntheticBatch("a", 0, 2));
        const keys = ["X0", "X1", "Y0", "Y1", "both"];
        const leaf = (who: number) => value(`value ${who}`);
        const partOf = (who: number, i: number): StateWrite => ({
          rows: [
            { table: "label", key: `${"XY"[who]}${i}`, value: utf8(`${who}/${i}`) },
            { table: "label", key: "both", value: utf8(`${who}/${i}`) },
          ],
          ...(i === 0
            ? { nodes: [{ path: path(9, 1), version: 1, node: node(`${who}`) }] }
            : { values: [{ key: key32(9), version: 1, hash: leaf(who).hash, value: leaf(who).bytes }] }),
        });
        await fc.assert(
          fc.asyncProperty(arb, async (choices) => {
            const next = [0, 0];
            const tokens: (RebuildToken | undefined)[] = [undefined, undefined];
            let newest = 0;
            let overlapped = false;
            let finished = 0;
            // Each rebuild runs its four steps in order; `choices` says whose step comes next.
            for (const pick of choices.map(Number)) {
              const who = next[pick]! < steps.length ? pick : 1 - pick;
              const step = steps[next[who]!]!;
              next[who]!++;
              const st = tables(instances[who]!);
              if (step === "begin") {
                overlapped ||= next[1 - who]! > 0 && next[1 - who]! < steps.length;
                tokens[who] = await st.beginRebuild(2);
                newest = who;
                continue;
              }
              const part = partOf(who, step === "part 0" ? 0 : 1);
              const attempt =
                step === "finish" ? st.finishRebuild(tokens[who]!, 2) : st.writeRebuild(tokens[who]!, 2, part);
              if (newest !== who) {
                await expect(attempt).rejects.toBeInstanceOf(RebuildSupersededError);
                continue;
              }
              await attempt;
              if (step === "finish") finished++;
            }
            // Of overlapping rebuilds exactly one finished; one after the other, both did.
            expect(finished).toBe(overlapped ? 1 : 2);
            // The tables are exactly the newest's two parts.
            const st = tables(instances[1 - newest]!);
            expect(await st.status()).toMatchObject({ size: 2, rebuildNeeded: false, mapFloor: 1 });
            const rows = new Map<string, string>();
            for (const i of [0, 1]) for (const r of partOf(newest, i).rows!) rows.set(r.key as string, toHex(r.value!));
            const leaves = [0, 1].map((w) => ({ key: key32(9), hash: leaf(w).hash }));
            expect(await snapshot(st, keys, [path(9, 1)], [1], leaves)).toEqual({
              rows: keys.map((k) => rows.get(k)),
              nodes: [[toHex(node(`${newest}`))]],
              values: [0, 1].map((w) => (w === newest ? toHex(leaf(w).bytes) : undefined)),
            });
            const scanned = (await st.scanState("label", undefined, 100)).rows;
            expect(scanned.map((r) => new TextDecoder().decode(r.key))).toEqual([...rows.keys()].sort());
          }),
          { numRuns: 24 },
        );
      });
    });

    it("keeps every row, node, value and the floor across close and reopen", () =>
      run(async (open) => {
        const s = await open();
        if (!s.state) return;
        const v = value("kept");
        await s.append(
          withState("a", 0, 2, {
            rows: [{ table: "labelEntry", key: "L\n0", value: utf8("0") }],
            nodes: [{ path: path(3, 1), version: 1, node: node("n") }],
            values: [{ key: key32(3), version: 1, hash: v.hash, value: v.bytes }],
          }),
        );
        await s.append(withState("a", 2, 1, { nodes: [{ path: path(3, 1), version: 2, node: node("m") }] }));
        await tables(s).pruneMap(2);
        const look = (st: StateTables) => snapshot(st, [], [path(3, 1)], [2, 5], [{ key: key32(3), hash: v.hash }]);
        const before = await look(tables(s));
        await s.close();
        const again = await open();
        const st = tables(again);
        expect(await look(st)).toEqual(before);
        same((await st.readState("labelEntry", ["L\n0"])).values, [utf8("0")]);
        expect(await st.status()).toMatchObject({ size: 3, rebuildNeeded: false, mapFloor: 2 });
      }));

    it("runs the state map over the store's node table: the in-memory map's roots and proofs at every version", async () => {
      const keyArb = fc.integer({ min: 0, max: 40 }).map((n) => hasher.digest(utf8(`key ${n}`)));
      const batchArb = fc.array(fc.record({ key: keyArb, value: fc.uint8Array({ minLength: 1, maxLength: 12 }) }), {
        minLength: 1,
        maxLength: 12,
      });
      await fc.assert(
        fc.asyncProperty(fc.array(batchArb, { minLength: 1, maxLength: 5 }), fc.nat(3), (batches, prune) =>
          run(async (open) => {
            const s = await open();
            if (!s.state) return;
            const st = tables(s);
            const reference = new VersionedMemoryMapNodeStore();
            const versions: number[] = [];
            let size = 0;
            for (const [i, entries] of batches.entries()) {
              const count = 1 + (i % 3);
              const version = size + count - 1; // the commitment is the batch's last entry
              const stored = await computeUpdateAsync(
                storedMapAt(st, hasher, Number.MAX_SAFE_INTEGER),
                hasher,
                entries,
              );
              const inMemory = computeUpdate(reference.at(Number.MAX_SAFE_INTEGER), hasher, entries);
              expect(toHex(stored.root)).toBe(toHex(inMemory.root));
              reference.put(inMemory.writes, version);
              await s.append(withState("m", size, count, mapStateWrite(version, stored, entries)));
              versions.push(version);
              size += count;
            }
            const floor = versions[Math.min(prune, versions.length - 1)]!;
            await st.pruneMap(floor);
            reference.setFloor(floor);
            const asked = [...new Set(batches.flat().map((e) => e.key)), hasher.digest(utf8("absent"))];
            for (const v of versions.filter((x) => x >= floor)) {
              const fromStore = await proveKeysAsync(storedMapAt(st, hasher, v), asked);
              const fromMemory = proveKeys(reference.at(v), asked);
              expect(fromStore).toEqual(fromMemory);
              // Every leaf a kept version's proof shows has its value in the store.
              const leaves = fromStore.flatMap((p) =>
                p.terminal.kind === "leaf" ? [{ key: p.terminal.key, hash: p.terminal.valueHash }] : [],
              );
              const found = await st.readMapValues(leaves);
              found.forEach((b, i) => {
                expect(b, `value of leaf ${i} at version ${v}`).toBeDefined();
                expect(bytesEqual(hasher.digest(b!), leaves[i]!.hash)).toBe(true);
              });
            }
          }),
        ),
        { numRuns: 12 },
      );
    });
  });
}
