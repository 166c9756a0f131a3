import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Journal, JournaledLists, JournaledMap, NotLoadedError } from "./journal.js";

describe("JournaledLists", () => {
  it("appends in place and a rollback undoes appends and new lists, newest first", () => {
    const journal = new Journal();
    const lists = new JournaledLists<string, number>(journal);
    lists.append("a", 1);
    const a = lists.get("a");
    journal.begin();
    lists.append("a", 2);
    lists.append("b", 3);
    lists.append("a", 4);
    expect(lists.get("a")).toEqual([1, 2, 4]);
    // In place: a list read before the append sees it (readers that await copy first).
    expect(a).toBe(lists.get("a"));
    journal.rollback();
    expect(lists.get("a")).toEqual([1]);
    expect(lists.has("b")).toBe(false);
    journal.begin();
    lists.append("a", 5);
    journal.commit();
    expect(lists.get("a")).toEqual([1, 5]);
  });
});

describe("a partial JournaledMap", () => {
  it("answers only the keys it loaded or changed, and refuses the others with NotLoadedError", () => {
    const journal = new Journal();
    const m = new JournaledMap<string, number>(journal, "labels");
    expect(() => m.get("a")).toThrow(NotLoadedError);
    expect(() => m.has("a")).toThrow(/labels "a" was read but never loaded/);
    expect(() => m.delete("a")).toThrow(NotLoadedError);
    m.load("a", 1);
    m.load("b", undefined);
    expect([m.get("a"), m.has("a"), m.get("b"), m.has("b")]).toEqual([1, true, undefined, false]);
    // What the map knows wins over a later load (a load may be older than a change).
    m.set("b", 2);
    m.load("b", undefined);
    m.load("a", 9);
    expect([m.get("a"), m.get("b")]).toEqual([1, 2]);
    m.delete("a");
    m.load("a", 9);
    expect([m.get("a"), m.has("a")]).toEqual([undefined, false]);
    // A complete map is a plain Map.
    const complete = new JournaledMap<string, number>(journal);
    expect([complete.get("x"), complete.has("x"), complete.isLoaded("x"), complete.partial]).toEqual([
      undefined,
      false,
      true,
      false,
    ]);
  });

  it("a rollback restores present, absent and unknown keys as they were", () => {
    const journal = new Journal();
    const m = new JournaledMap<string, number>(journal, "products");
    m.load("present", 1);
    m.load("absent", undefined);
    journal.begin();
    m.set("absent", 2);
    m.delete("present");
    m.set("new", 3);
    expect([m.get("absent"), m.get("present"), m.get("new")]).toEqual([2, undefined, 3]);
    expect(() => m.load("x", 1)).toThrow(/inside a transaction/);
    journal.rollback();
    expect([m.get("present"), m.get("absent"), m.has("absent")]).toEqual([1, undefined, false]);
    // "new" was set in the rolled-back batch only: unknown again, though the map touched it.
    expect(() => m.get("new")).toThrow(NotLoadedError);
    journal.begin();
    m.delete("present");
    m.set("absent", 2);
    journal.commit();
    expect([m.get("present"), m.has("present"), m.get("absent")]).toEqual([undefined, false, 2]);
  });

  it("evicts keys known absent, then the oldest held, down to a budget; they then read as unknown", () => {
    const journal = new Journal();
    // Without a SizeOf each key counts 1.
    const m = new JournaledMap<number, number>(journal, "labels");
    for (let i = 0; i < 10; i++) m.load(i, i % 2 === 0 ? i : undefined);
    expect(m.bytes).toBe(10);
    expect(m.evictTo(3)).toEqual([1, 3, 5, 7, 9, 0, 2]);
    for (const gone of [0, 1, 2, 9]) expect(() => m.get(gone)).toThrow(NotLoadedError);
    expect([m.get(4), m.get(6), m.get(8)]).toEqual([4, 6, 8]);
    expect([m.size, m.bytes]).toEqual([3, 3]);
    // By size: a large value goes first when it is the oldest, and one eviction may be enough.
    const sized = new JournaledMap<string, string>(journal, "labels", (k, v) => k.length + (v?.length ?? 0));
    sized.load("a", "x".repeat(100));
    sized.load("b", "yy");
    sized.load("c", undefined);
    expect(sized.bytes).toBe(101 + 3 + 1);
    expect(sized.evictTo(100)).toEqual(["c", "a"]);
    expect([[...sized.keys()], sized.bytes]).toEqual([["b"], 3]);
    journal.begin();
    expect(() => m.evictTo(0)).toThrow(/inside a transaction/);
    journal.rollback();
  });

  it("agrees with a complete map on any run of loads, changes, rollbacks and evictions (fuzz)", () => {
    type Op =
      | { op: "set"; k: number; v: number }
      | { op: "delete"; k: number }
      | { op: "append"; k: number; v: number }
      | { op: "commit" }
      | { op: "rollback" }
      | { op: "evict"; maxBytes: number };
    const k = fc.nat(7);
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ op: fc.constant("set" as const), k, v: fc.nat(99) }),
      fc.record({ op: fc.constant("delete" as const), k }),
      fc.record({ op: fc.constant("append" as const), k, v: fc.nat(99) }),
      fc.record({ op: fc.constant("commit" as const) }),
      fc.record({ op: fc.constant("rollback" as const) }),
      fc.record({ op: fc.constant("evict" as const), maxBytes: fc.nat(120) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        // The store: what a complete map holds after each committed transaction.
        const store = new Map<number, readonly number[]>();
        const fullJournal = new Journal();
        const full = new JournaledLists<number, number>(fullJournal);
        const journal = new Journal();
        // Sizes as the state's: a list's is a fixed part and its items' (record-bytes.ts).
        const item = (v: number) => v + 1;
        const sizeOf = (key: number, list: readonly number[] | undefined) =>
          10 + key + (list === undefined ? 0 : 5 + list.reduce((n, v) => n + item(v), 0));
        const part = new JournaledLists<number, number>(journal, "lists", sizeOf, item);
        // What the map holds must always total what it says, through rollbacks and appends.
        const expectTotal = () => {
          let total = 0;
          for (let key = 0; key <= 7; key++)
            if (part.isLoaded(key))
              total += sizeOf(key, Map.prototype.has.call(part, key) ? Map.prototype.get.call(part, key) : undefined);
          expect(part.bytes).toBe(total);
        };
        const fetch = (key: number) => {
          // A caller loads what it reads first; loads happen between transactions.
          if (!part.isLoaded(key) && !journal.open) {
            const v = store.get(key);
            part.load(key, v && [...v]);
          }
        };
        for (const o of ops) {
          if (o.op === "commit" || o.op === "rollback") {
            if (!journal.open) continue;
            if (o.op === "commit") {
              journal.commit();
              fullJournal.commit();
              for (const key of new Set([...store.keys(), ...full.keys()])) {
                const v = full.get(key);
                if (v === undefined) store.delete(key);
                else store.set(key, [...v]);
              }
            } else {
              journal.rollback();
              fullJournal.rollback();
            }
            expectTotal();
            continue;
          }
          if (o.op === "evict") {
            if (!journal.open) {
              part.evictTo(o.maxBytes);
              expect(part.bytes).toBeLessThanOrEqual(o.maxBytes);
              expectTotal();
            }
            continue;
          }
          fetch(o.k);
          if (!part.isLoaded(o.k)) continue; // inside a transaction without it: the caller would have prefetched
          if (!journal.open) {
            journal.begin();
            fullJournal.begin();
          }
          if (o.op === "set") {
            part.set(o.k, [o.v]);
            full.set(o.k, [o.v]);
          } else if (o.op === "delete") expect(part.delete(o.k)).toBe(full.delete(o.k));
          else {
            part.append(o.k, o.v);
            full.append(o.k, o.v);
          }
          expect(part.get(o.k)).toEqual(full.get(o.k));
          expectTotal();
        }
        for (let key = 0; key <= 7; key++) if (part.isLoaded(key)) expect(part.get(key)).toEqual(full.get(key));
      }),
    );
  });
});
