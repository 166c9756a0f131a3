import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { loadWatchState, newWatchState, parseWatchState, saveWatchState, WatchStateError } from "./watch-state.js";

const dir = mkdtempSync(join(tmpdir(), "labelreg-watch-state-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("watch state file", () => {
  it("round-trips, and belongs to one set of manufacturers", () => {
    const path = join(dir, "s.json");
    const s = newWatchState(["B-2", "A1", "B-2"]);
    expect(s.manufacturers).toEqual(["A1", "B-2"]);
    s.nextIndex = 42;
    s.checkpoint = "log\n42\nroot\n";
    s.labels = ["CCRC-1"];
    saveWatchState(path, s);
    expect(loadWatchState(path, ["B-2", "A1"])).toEqual(s);
    expect(() => loadWatchState(path, ["A1"])).toThrow(/watches A1, B-2, not A1/);
    expect(loadWatchState(join(dir, "absent.json"), ["A1"]).nextIndex).toBe(0);
  });

  it("refuses what it did not write, naming the field", () => {
    const bad = (o: unknown) => () => parseWatchState("f", JSON.stringify(o));
    const ok = { version: 1, manufacturers: ["A1"], nextIndex: 0, checkpoint: "", labels: [] };
    expect(bad({ ...ok, version: 2 })).toThrow(/version/);
    expect(bad({ ...ok, manufacturers: ["a b"] })).toThrow(/manufacturers/);
    expect(bad({ ...ok, nextIndex: -1 })).toThrow(/nextIndex/);
    expect(bad({ ...ok, nextIndex: 1.5 })).toThrow(/nextIndex/);
    expect(bad({ ...ok, labels: ["no spaces allowed"] })).toThrow(/labels/);
    expect(() => parseWatchState("f", "{")).toThrow(/not JSON/);
    writeFileSync(join(dir, "garbage.json"), "[]");
    expect(() => loadWatchState(join(dir, "garbage.json"), ["A1"])).toThrow(WatchStateError);
  });

  it("any text parses to a valid state or is refused with WatchStateError", () => {
    const field = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(fc.string({ maxLength: 8 })));
    const obj = fc.record(
      {
        version: fc.oneof(fc.constant(1), field),
        manufacturers: fc.oneof(fc.array(fc.constantFrom("A1", "91330100MACCRC", "x"), { maxLength: 3 }), field),
        nextIndex: fc.oneof(fc.nat(), field, fc.double()),
        checkpoint: field,
        labels: fc.oneof(fc.array(fc.constantFrom("CCRC-1", "bad id"), { maxLength: 3 }), field),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          obj.map((o) => JSON.stringify(o)),
        ),
        (text) => {
          try {
            const s = parseWatchState("f", text);
            expect(Number.isSafeInteger(s.nextIndex) && s.nextIndex >= 0).toBe(true);
            expect(s.manufacturers.length).toBeGreaterThan(0);
          } catch (e) {
            expect(e).toBeInstanceOf(WatchStateError);
          }
        },
      ),
    );
  });
});
