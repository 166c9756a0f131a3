import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FieldError, parseTime, parseTier, parseDigest, parseReason, parseIndicators } from "./field-values.js";
import { labelStatementFromFields, LABEL_COLUMNS, type LabelFields } from "./label-fields.js";

const good: LabelFields = {
  label_id: "CCRC-2026000123",
  manufacturer_name: "Hangzhou Example Vision Co., Ltd.",
  registration_code: "91330100MA2AXXXX1X",
  product_model: "EV-C200",
  category_id: "consumer-network-camera",
  tier: "2",
  valid_from: "2026-07-01",
  valid_until: "2029-06-30T23:59:59+08:00",
  security_support_until: "2031-12-31",
  lab_name: "Example Testing Lab",
  lab_accreditation_code: "CNAS L0001",
  standard_reference: "GB/T 00000-2025",
  test_report_sha256: "AB".repeat(32),
  test_report_uri: "https://lab.example/reports/1.pdf",
  doc_sha256: "cd".repeat(32),
  doc_uri: "",
  key_indicators: "default passwords=none; update period=30 days",
  request_id: "row-1",
};

describe("label fields", () => {
  it("builds the issuance statement", () => {
    const s = labelStatementFromFields(good, 1_790_000_000n);
    expect(s).toMatchObject({
      requestId: "row-1",
      labelId: "CCRC-2026000123",
      signedAtUnix: 1_790_000_000n,
      expectedLabelVersion: 0n,
    });
    const v = s.kind?.$case === "labelIssued" ? s.kind.value : undefined;
    expect(v?.tier).toBe(2);
    expect(v?.validFromUnix).toBe(BigInt(Date.UTC(2026, 6, 1) / 1000));
    expect(v?.validUntilUnix).toBe(BigInt(Date.UTC(2029, 5, 30, 15, 59, 59) / 1000));
    expect(v?.testReport?.sha256[0]).toBe(0xab);
    expect(v?.keyIndicators).toEqual([
      { name: "default passwords", value: "none" },
      { name: "update period", value: "30 days" },
    ]);
  });

  it("names the column or the registry rule a bad row breaks", () => {
    const bad = (patch: LabelFields) => {
      try {
        labelStatementFromFields({ ...good, ...patch }, 1_790_000_000n);
      } catch (e) {
        return (e as FieldError).field;
      }
      return "accepted";
    };
    expect(bad({ tier: "4" })).toBe("tier");
    expect(bad({ valid_until: "30/06/2029" })).toBe("valid_until");
    expect(bad({ valid_from: "2026-02-30" })).toBe("valid_from");
    expect(bad({ doc_sha256: "abc" })).toBe("doc_sha256");
    expect(bad({ product_model: " " })).toBe("product_model");
    expect(bad({ label_id: "ccrc-1" })).toBe("malformed-id");
    expect(bad({ test_report_uri: "http://insecure.example/r" })).toBe("malformed-uri");
    expect(bad({ valid_until: "2026-01-01" })).toBe("validity-period");
    expect(bad({ key_indicators: "novalue" })).toBe("key_indicators");
  });

  it("value parsers accept what they document", () => {
    expect(parseTime("t", "1790000000")).toBe(1_790_000_000n);
    expect(parseTime("t", "2026-07-01T08:00:00+08:00")).toBe(BigInt(Date.UTC(2026, 6, 1) / 1000));
    expect(() => parseTime("t", "2026-07-01 08:00")).toThrow(FieldError);
    expect(parseTier("t", "Leading")).toBe(3);
    expect(parseDigest("d", "00".repeat(32)).length).toBe(32);
    expect(parseReason("support-ended", "end of support")).toEqual({ code: 3, text: "end of support" });
    expect(() => parseReason("bogus", "x")).toThrow(/reason-code/);
    expect(parseIndicators("k", ["a=b=c"])).toEqual([{ name: "a", value: "b=c" }]);
  });

  it("fuzz: arbitrary cells give a statement or a FieldError, nothing else", () => {
    const cell = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.constantFrom("1", "3", "2026-07-01", "9999-12-31", "0", "ab".repeat(32), "https://x.example/a", "a=b"),
    );
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...LABEL_COLUMNS), cell), (patch) => {
        try {
          labelStatementFromFields({ ...good, ...patch }, 1_790_000_000n);
        } catch (e) {
          expect(e).toBeInstanceOf(FieldError);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
