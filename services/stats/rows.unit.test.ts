// The statistics' row codec, fuzzed: random counters round-trip exactly (and encode canonically,
// whatever the order they were counted in); random bytes under any key, and random boundary keys
// and values, give a row or a RowDecodeError naming the table, never another error.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { utf8 } from "../../log/bytes.js";
import { RowDecodeError } from "../domain/rows.js";
import {
  activeKey,
  boundaryKey,
  decodeBoundaryRow,
  decodeStatsRow,
  encodeStatsIssuer,
  encodeStatsTotal,
  encodeStatsWeek,
  STATS_TOTAL_KEY,
  statsIssuerKey,
  statsWeekKey,
  type IssuerCounts,
} from "./rows.js";
import { weekStartDay } from "./week.js";

const count = fc.nat({ max: Number.MAX_SAFE_INTEGER });
const id = fc.string({ unit: fc.constantFrom(..."ABCXYZ019-\n"), minLength: 1, maxLength: 8 });
const monday = fc.integer({ min: 0, max: 3_000_000 }).map((d) => weekStartDay(d * 86_400));
const events = fc.record({ issued: count, suspended: count, revoked: count });
const active = fc
  .uniqueArray(fc.tuple(fc.integer({ min: 1, max: 3 }), id, fc.integer({ min: 1, max: 1e9 })), {
    selector: ([tier, category]) => activeKey(tier, category),
    maxLength: 6,
  })
  .map((list) => new Map(list.map(([tier, category, n]) => [activeKey(tier, category), n])));
const issuer = fc.record({ events, active }).map(({ events, active }): IssuerCounts => ({ ...events, active }));

/** Decodes, and fails the property on any error but a RowDecodeError of `table`. */
function decodesOrRefuses<T>(table: string, f: () => T): T | undefined {
  try {
    return f();
  } catch (e) {
    expect(e).toBeInstanceOf(RowDecodeError);
    expect((e as RowDecodeError).table).toBe(table);
    expect((e as Error).message).toMatch(new RegExp(`^state row of table ${table}: .+`));
    return undefined;
  }
}

describe("statistics rows", () => {
  it("round-trip: the total, issuer and week rows", () => {
    fc.assert(
      fc.property(
        fc.record({
          statements: count,
          commitments: count,
          labels: count,
          asOf: fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }),
          firstEventWeek: fc.option(monday, { nil: undefined }),
        }),
        (t) => {
          expect(decodeStatsRow(STATS_TOTAL_KEY, encodeStatsTotal(t))).toEqual({ kind: "total", total: t });
        },
      ),
    );
    fc.assert(
      fc.property(id, issuer, (issuerId, counts) => {
        const bytes = encodeStatsIssuer(issuerId, counts);
        expect(decodeStatsRow(statsIssuerKey(issuerId), bytes)).toEqual({ kind: "issuer", issuerId, counts });
        // Canonical: the same counts inserted in another order give the same bytes.
        const reversed = { ...counts, active: new Map([...counts.active].reverse()) };
        expect(encodeStatsIssuer(issuerId, reversed)).toEqual(bytes);
      }),
    );
    fc.assert(
      fc.property(monday, events, (m, counts) => {
        expect(decodeStatsRow(statsWeekKey(m), encodeStatsWeek(m, counts))).toEqual({
          kind: "week",
          monday: m,
          counts,
        });
      }),
    );
  });

  it("refuses, with a RowDecodeError of table stats, random bytes and rows under another row's key", () => {
    const key = fc.oneof(
      fc.constant(STATS_TOTAL_KEY),
      id.map(statsIssuerKey),
      fc.integer({ min: -10, max: 3_000_000 }).map(statsWeekKey),
      fc.string({ maxLength: 10 }),
    );
    fc.assert(
      fc.property(key, fc.uint8Array({ maxLength: 64 }), (k, bytes) => {
        decodesOrRefuses("stats", () => decodeStatsRow(k, bytes));
      }),
      { numRuns: 2000 },
    );
    const refused = (k: string, bytes: Uint8Array, message: RegExp) =>
      expect(() => decodeStatsRow(k, bytes)).toThrow(message);
    const counts: IssuerCounts = { issued: 1, suspended: 0, revoked: 0, active: new Map([["2\ncam", 3]]) };
    refused(statsIssuerKey("B"), encodeStatsIssuer("A", counts), /is issuer "A"'s/);
    refused(statsWeekKey(7), encodeStatsWeek(4, { issued: 1, suspended: 0, revoked: 0 }), /week 4's/);
    refused(statsWeekKey(5), encodeStatsWeek(5, { issued: 1, suspended: 0, revoked: 0 }), /no Monday/);
    refused(statsIssuerKey("A"), encodeStatsIssuer("A", { ...counts, active: new Map([["4\ncam", 1]]) }), /tier 4/);
    refused(statsIssuerKey("A"), encodeStatsIssuer("A", { ...counts, active: new Map([["1\ncam", 0]]) }), /zero/);
    refused(
      "size",
      encodeStatsTotal({ statements: 1, commitments: 0, labels: 0, asOf: 0n, firstEventWeek: undefined }),
      /no key/,
    );
    refused(STATS_TOTAL_KEY, new Uint8Array([0xff, 0xff]), /not a stats row/);
  });

  it("boundary keys sort by time, then label id, and decode to what they were made of", () => {
    const time = fc.nat({ max: Number.MAX_SAFE_INTEGER });
    fc.assert(
      fc.property(time, id, time, id, (t1, a, t2, b) => {
        expect(decodeBoundaryRow(boundaryKey(t1, a), new Uint8Array(0))).toEqual({ time: t1, id: a });
        const order = Buffer.compare(Buffer.from(boundaryKey(t1, a)), Buffer.from(boundaryKey(t2, b)));
        const want = t1 !== t2 ? Math.sign(t1 - t2) : Buffer.compare(Buffer.from(utf8(a)), Buffer.from(utf8(b)));
        expect(order).toBe(want);
      }),
    );
    expect(() => boundaryKey(-1, "A")).toThrow(RangeError);
  });

  it("refuses, with a RowDecodeError of table statsBoundary, keys and values no boundary has", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), fc.uint8Array({ maxLength: 2 }), (key, value) => {
        const b = decodesOrRefuses("statsBoundary", () => decodeBoundaryRow(key, value));
        if (b) expect(boundaryKey(b.time, b.id)).toEqual(key);
      }),
      { numRuns: 2000 },
    );
    expect(() => decodeBoundaryRow(new Uint8Array(8), new Uint8Array(0))).toThrow(/too short/);
    expect(() => decodeBoundaryRow(boundaryKey(5, "A"), new Uint8Array(1))).toThrow(/not none/);
    expect(() => decodeBoundaryRow(new Uint8Array([255, 0, 0, 0, 0, 0, 0, 0, 65]), new Uint8Array(0))).toThrow(
      /past any Unix time/,
    );
    expect(() => decodeBoundaryRow(new Uint8Array([0, 0, 0, 0, 0, 0, 0, 1, 0xc3]), new Uint8Array(0))).toThrow(
      /not UTF-8/,
    );
  });
});
