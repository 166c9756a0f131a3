import { describe, expect, it } from "vitest";
import { Statement } from "../../proto/gen/messages/labelreg/v1/statement.js";
import { MapValue } from "../../proto/gen/messages/labelreg/v1/map.js";
import { statement, testKey, TestRegistry } from "../../test/domain-testkit.js";
import { mapValue } from "./map-values.js";
import { isViolation } from "./violation.js";

const category = (fields: { nameEn?: string; nameZh?: string }) =>
  statement({
    $case: "categoryPublished",
    value: { categoryId: "smart-lock", name: "智能门锁", description: "", ...fields },
  });
const issuer = (fields: { nameEn?: string; nameZh?: string }) =>
  statement({
    $case: "issuerAccredited",
    value: {
      issuerId: "LOCK",
      name: "门锁认证中心",
      publicKey: testKey(7).publicKey,
      scope: [{ categoryId: "smart-lock", maxTier: 3 }],
      ...fields,
    },
  });

function rule(reg: TestRegistry, s: Statement): string | undefined {
  const r = reg.submit(reg.authority, s);
  return isViolation(r) ? r.rule : undefined;
}

describe("optional English and Chinese names of categories and issuers", () => {
  it("are kept in the state and the map values when published", () => {
    const reg = new TestRegistry();
    expect(rule(reg, category({ nameEn: "Smart locks", nameZh: "智能门锁" }))).toBeUndefined();
    expect(rule(reg, issuer({ nameEn: "Lock Certification Centre" }))).toBeUndefined();
    expect(reg.state.categories.get("smart-lock")).toMatchObject({ nameEn: "Smart locks", nameZh: "智能门锁" });
    expect(reg.state.issuers.get("LOCK")).toMatchObject({ nameEn: "Lock Certification Centre", nameZh: undefined });
    const v = MapValue.decode(MapValue.encode(mapValue(reg.state, "category", "smart-lock")).finish());
    expect(v.kind).toMatchObject({ $case: "category", value: { nameEn: "Smart locks", nameZh: "智能门锁" } });
    const i = mapValue(reg.state, "issuer", "LOCK");
    expect(i.kind).toMatchObject({ $case: "issuer", value: { nameEn: "Lock Certification Centre" } });
  });

  it("without them, entries and map values encode as before the fields existed", () => {
    const reg = new TestRegistry();
    const s = category({});
    expect(rule(reg, s)).toBeUndefined();
    // No bytes for absent names: an old statement is the same byte string, so it still verifies.
    const bytes = Statement.encode(s).finish();
    const without = Statement.encode({
      ...s,
      kind: { $case: "categoryPublished", value: { categoryId: "smart-lock", name: "智能门锁", description: "" } },
    }).finish();
    expect(bytes).toEqual(without);
    expect(reg.state.categories.get("smart-lock")!.nameEn).toBeUndefined();
  });

  it("are refused when empty, too long or not clean text, naming the field and rule", () => {
    const reg = new TestRegistry();
    expect(rule(reg, category({ nameEn: "" }))).toBe("text-length");
    expect(rule(reg, category({ nameZh: "锁".repeat(86) }))).toBe("text-length"); // 258 bytes
    expect(rule(reg, category({ nameEn: " Smart locks" }))).toBe("text-characters");
    expect(rule(reg, issuer({ nameZh: "" }))).toBe("text-length");
    expect(rule(reg, issuer({ nameEn: "a\u202eb" }))).toBe("text-characters");
    const r = reg.submit(reg.authority, category({ nameEn: "" }));
    expect(isViolation(r) && r.message).toContain("name_en");
  });
});
