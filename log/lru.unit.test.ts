import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ByteLru } from "./lru.js";

const buf = (n: number) => new Uint8Array(n);
const lru = <K>(max: number) => new ByteLru<K, Uint8Array>(max, (v) => v.length);

describe("ByteLru", () => {
  it("evicts what was not read since it was last passed over, and never exceeds its byte bound", () => {
    const c = lru<string>(30);
    c.set("a", buf(10));
    c.set("b", buf(10));
    c.set("c", buf(10));
    c.get("a");
    c.set("d", buf(10));
    expect(c.get("b")).toBeUndefined();
    expect(c.get("a")?.length).toBe(10);
    expect(c.bytes).toBe(30);
    c.set("huge", buf(31));
    expect(c.get("huge")).toBeUndefined();
    expect(c.size).toBe(3);
  });

  it("peek does not count as a use; resized() re-reads a value's size and evicts to the bound", () => {
    const c = lru<string>(30);
    const a = buf(10);
    c.set("a", a);
    c.set("b", buf(10));
    c.peek("a");
    c.set("c", buf(10));
    c.set("d", buf(10));
    expect(c.peek("a")).toBeUndefined();
    const grow = { length: 5 } as Uint8Array;
    c.set("g", grow);
    expect(c.bytes).toBe(25);
    (grow as { length: number }).length = 20;
    c.resized("g", grow);
    expect(c.bytes).toBeLessThanOrEqual(30);
    expect(c.peek("g")).toBe(grow);
    (grow as { length: number }).length = 31;
    c.resized("g", grow);
    expect(c.peek("g")).toBeUndefined();
  });

  it("matches a second-chance model under random operations", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 40 })), {
          maxLength: 200,
        }),
        (ops) => {
          const c = lru<number>(64);
          const model: [number, number, boolean][] = []; // [key, bytes, used], oldest first
          const total = () => model.reduce((s, [, b]) => s + b, 0);
          for (const [isSet, k, n] of ops) {
            const at = model.findIndex(([key]) => key === k);
            if (isSet) {
              c.set(k, buf(n));
              if (at >= 0) model.splice(at, 1);
              if (n <= 64) model.push([k, n, false]);
              while (total() > 64) {
                const oldest = model.shift()!;
                if (oldest[2]) model.push([oldest[0], oldest[1], false]);
              }
            } else {
              expect(c.get(k)?.length).toBe(at >= 0 ? model[at]![1] : undefined);
              if (at >= 0) model[at]![2] = true;
            }
            expect(c.bytes).toBe(total());
            expect(c.size).toBe(model.length);
          }
        },
      ),
    );
  });
});
