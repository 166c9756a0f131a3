// --at and --min-tier as typed: the forms documented, and a precise usage error for anything else (fuzzed).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseAtDate, parseMinTier } from "./verify-at.js";

describe("parseAtDate", () => {
  it("reads a date as the start of that day in UTC, an instant with its offset, or Unix seconds", () => {
    expect(parseAtDate("2026-09-01")).toBe(BigInt(Date.UTC(2026, 8, 1) / 1000));
    expect(parseAtDate("2026-09-01T08:00+08:00")).toBe(BigInt(Date.UTC(2026, 8, 1) / 1000));
    expect(parseAtDate("2026-09-01T00:00:01.5Z")).toBe(BigInt(Date.UTC(2026, 8, 1) / 1000) + 1n);
    expect(parseAtDate(" 1788220800 ")).toBe(1788220800n);
  });

  it("refuses days that do not exist, times without an offset, and words", () => {
    for (const bad of ["2026-02-30", "2026-13-01", "2026-09-01T08:00", "yesterday", "", "1e9", "-5", "2026-9-1"])
      expect(() => parseAtDate(bad), bad).toThrow(/^--at .*give a date/);
  });

  it("any string: a bigint of at least 0, or that usage error; never another exception (fuzzed)", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        ),
        (s) => {
          try {
            expect(parseAtDate(s) >= 0n).toBe(true);
          } catch (e) {
            expect((e as Error).message).toMatch(/^--at /);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it("round-trips every valid day", () => {
    fc.assert(
      fc.property(fc.date({ min: new Date(0), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true }), (d) => {
        const day = d.toISOString().slice(0, 10);
        expect(new Date(Number(parseAtDate(day)) * 1000).toISOString().slice(0, 10)).toBe(day);
      }),
    );
  });
});

describe("parseMinTier", () => {
  it("takes 1, 2 or 3 stars and refuses anything else", () => {
    expect(parseMinTier(undefined)).toBeUndefined();
    expect(parseMinTier("2")).toBe(2);
    for (const bad of ["0", "4", "two", "", "2.5"])
      expect(() => parseMinTier(bad)).toThrow(/--min-tier must be 1, 2 or 3/);
  });
});
