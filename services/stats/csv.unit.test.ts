import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCsv } from "../csv/csv.js";
import { Tier } from "../../proto/gen/messages/labelreg/v1/statement.js";
import { IssuerStatus, type RegistryStats } from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { STATS_CSV_HEADER, statsCsv, statsRows } from "./csv.js";

const stats = (name: string, week: string): RegistryStats => ({
  treeSize: 12n,
  asOfUnix: 1_800_000_000n,
  statements: 9n,
  commitments: 3n,
  labels: 4n,
  activeByTier: [
    { tier: Tier.TIER_BASIC, labels: 1n },
    { tier: Tier.TIER_ENHANCED, labels: 2n },
    { tier: Tier.TIER_LEADING, labels: 0n },
  ],
  activeByCategory: [{ categoryId: "cam", name, labels: 3n }],
  weeks: [{ week, issued: 4n, suspended: 1n, revoked: 1n }],
  issuers: [
    {
      issuerId: "CCRC",
      name,
      status: IssuerStatus.ISSUER_STATUS_ACTIVE,
      issued: 4n,
      suspended: 1n,
      revoked: 1n,
      active: 3n,
    },
  ],
  cosignatures: [{ name: "w.test/a", timestampUnix: 1_800_000_001n }],
});

describe("statistics CSV", () => {
  it("has one row per figure under a fixed header", () => {
    const text = statsCsv(stats('Cameras, "indoor"', "2027-W02"));
    const rows = parseCsv(text).map((r) => r.fields);
    expect(rows[0]).toEqual([...STATS_CSV_HEADER]);
    expect(rows).toContainEqual(["active_by_tier", "TIER_ENHANCED", "", "active", "2"]);
    expect(rows).toContainEqual(["active_by_category", "cam", 'Cameras, "indoor"', "active", "3"]);
    expect(rows).toContainEqual(["week", "2027-W02", "", "revoked", "1"]);
    expect(rows).toContainEqual(["issuer", "CCRC", 'Cameras, "indoor"', "status", "ISSUER_STATUS_ACTIVE"]);
    expect(rows).toContainEqual(["log", "", "", "as_of", "2027-01-15T08:00:00.000Z"]);
    expect(text.endsWith("\r\n")).toBe(true);
  });

  it("a name that a spreadsheet would read as a formula is downloaded as text", () => {
    for (const name of ['=HYPERLINK("http://x.test","ok")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]) {
      const rows = parseCsv(statsCsv(stats(name, "2027-W02"))).map((r) => r.fields);
      expect(rows).toContainEqual(["active_by_category", "cam", `'${name}`, "active", "3"]);
    }
    const rows = parseCsv(statsCsv(stats("Cameras = good", "2027-W02"))).map((r) => r.fields);
    expect(rows).toContainEqual(["active_by_category", "cam", "Cameras = good", "active", "3"]);
  });

  it("every figure survives an RFC 4180 parser unchanged (fuzz)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.string({ maxLength: 12 }), (name, week) => {
        const rows = parseCsv(statsCsv(stats(name, week))).map((r) => r.fields);
        expect(rows.slice(1)).toEqual(statsRows(stats(name, week)));
      }),
    );
  });
});
