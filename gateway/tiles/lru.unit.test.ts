import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ByteLru } from "./lru.js";

const buf = (n: number) => new Uint8Array(n);

describe("ByteLru", () => {
  it("evicts the least recently used first and never exceeds its byte bound", () => {
    const c = new ByteLru<string, Uint8Array>(30);
    c.set("a", buf(10));
    c.set("b", buf(10));
    c.set("c", buf(10));
    c.get("a");
    c.set("d", buf(10));
    expect(c.get("b")).toBeUndefined();
    expect(c.get("a")?.length).toBe(10);
    expect(c.byteLength).toBe(30);
    c.set("huge", buf(31));
    expect(c.get("huge")).toBeUndefined();
    expect(c.size).toBe(3);
  });

  it("matches a model under random operations", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 40 })), { maxLength: 200 }), (ops) => {
        const c = new ByteLru<number, Uint8Array>(64);
        const model: [number, number][] = []; // [key, bytes], oldest first
        for (const [isSet, k, n] of ops) {
          const at = model.findIndex(([key]) => key === k);
          if (isSet) {
            c.set(k, buf(n));
            if (at >= 0) model.splice(at, 1);
            if (n <= 64) model.push([k, n]);
            while (model.reduce((s, [, b]) => s + b, 0) > 64) model.shift();
          } else {
            expect(c.get(k)?.length).toBe(at >= 0 ? model[at]![1] : undefined);
            if (at >= 0) model.push(...model.splice(at, 1));
          }
          expect(c.byteLength).toBe(model.reduce((s, [, b]) => s + b, 0));
        }
      }),
    );
  });
});
