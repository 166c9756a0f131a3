import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isoWeekOf, weeksBetween, weekStartDay } from "./week.js";

const at = (iso: string) => Date.parse(iso) / 1000;

describe("ISO weeks (UTC)", () => {
  it("names weeks as ISO 8601 does at year ends", () => {
    expect(isoWeekOf(at("2026-01-01T00:00:00Z"))).toBe("2026-W01"); // a Thursday
    expect(isoWeekOf(at("2025-12-29T00:00:00Z"))).toBe("2026-W01"); // its Monday
    expect(isoWeekOf(at("2025-12-28T23:59:59Z"))).toBe("2025-W52");
    expect(isoWeekOf(at("2027-01-01T12:00:00Z"))).toBe("2026-W53"); // 2026 has 53 weeks
    expect(isoWeekOf(at("2024-12-30T00:00:00Z"))).toBe("2025-W01");
    expect(isoWeekOf(at("2026-07-01T00:00:00Z"))).toBe("2026-W27");
  });

  it("counts in UTC: Sunday 23:59 UTC is still the old week whatever the reader's zone", () => {
    expect(isoWeekOf(at("2026-07-05T23:59:59Z"))).toBe("2026-W27");
    expect(isoWeekOf(at("2026-07-06T00:00:00Z"))).toBe("2026-W28");
  });

  it("a week starts on a Monday, holds its seven days, and weeksBetween lists each once", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 253402300799 }), fc.integer({ min: 0, max: 400 * 86400 }), (t, span) => {
        const monday = weekStartDay(t);
        expect(new Date(monday * 86400 * 1000).getUTCDay()).toBe(1);
        expect(t - monday * 86400).toBeGreaterThanOrEqual(0);
        expect(t - monday * 86400).toBeLessThan(7 * 86400);
        const ws = weeksBetween(t, t + span);
        expect(ws[0]).toBe(monday);
        expect(ws.at(-1)).toBe(weekStartDay(t + span));
        for (let i = 1; i < ws.length; i++) expect(ws[i]! - ws[i - 1]!).toBe(7);
      }),
    );
  });

  it("agrees with a textbook ISO week computation", () => {
    const textbook = (t: number) => {
      const d = new Date(t * 1000);
      const date = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
      const dow = date.getUTCDay() || 7;
      date.setUTCDate(date.getUTCDate() + 4 - dow);
      const yearStart = new Date(Date.UTC(date.getUTCFullYear(), 0, 1));
      const week = Math.ceil(((date.getTime() - yearStart.getTime()) / 86400000 + 1) / 7);
      return `${date.getUTCFullYear()}-W${String(week).padStart(2, "0")}`;
    };
    fc.assert(
      fc.property(fc.integer({ min: 86400 * 366, max: 253402300799 - 86400 * 7 }), (t) => {
        expect(isoWeekOf(t)).toBe(textbook(t));
      }),
    );
  });
});
