import { afterEach, describe, expect, it } from "vitest";
import { encodeLogEntry, parseSignedStatement } from "../domain/decode.js";
import { CATEGORY, T0, signStatement, statement, type TestKey } from "../../test/domain-testkit.js";
import { isViolation } from "../domain/violation.js";
import type { Statement } from "../../proto/gen/messages/labelreg/v1/statement.js";
import { CheckPool } from "./check-pool.js";
import { SIG_INVALID, SIG_UNCHECKED, SIG_VALID } from "./entry-check.js";
import { fixtureAuthority, fixtureIssuer, fixtureIssuer2, issueStatement } from "../../test/audit-fixture.js";

function entry(key: TestKey, s: Statement): Uint8Array {
  const sub = parseSignedStatement(signStatement(key, s));
  if (isViolation(sub)) throw new Error(sub.message);
  return encodeLogEntry(sub, T0);
}
const accredit = (issuerId: string, key: TestKey) =>
  entry(
    fixtureAuthority,
    statement({
      $case: "issuerAccredited",
      value: { issuerId, name: issuerId, publicKey: key.publicKey, scope: [{ categoryId: CATEGORY, maxTier: 3 }] },
    }),
  );
const labels = (key: TestKey, prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => entry(key, issueStatement(`${prefix}-${i}`, `M-${prefix}-${i}`)));

const pools: CheckPool[] = [];
afterEach(async () => {
  for (const p of pools.splice(0)) await p.close();
});
function pool(threads = 2): CheckPool {
  const p = new CheckPool({ threads, keys: [fixtureAuthority.publicKey] });
  pools.push(p);
  return p;
}

describe("CheckPool", () => {
  it("hashes, decodes and verifies on its workers; a key one worker learned reaches the others", async () => {
    const p = pool(2);
    const first = await p.check([accredit("CCRC", fixtureIssuer), ...labels(fixtureIssuer, "CCRC", 3)]);
    expect([0, 1, 2, 3].map((i) => first.verdict(i))).toEqual([SIG_VALID, SIG_VALID, SIG_VALID, SIG_VALID]);
    // Both workers get a batch now; only one of them decoded the accreditation.
    const [a, b] = await Promise.all([
      p.check(labels(fixtureIssuer, "CCRC", 40)),
      p.check(labels(fixtureIssuer, "CCRC", 40)),
    ]);
    for (const r of [a, b]) expect(r.unchecked()).toEqual([]);
    const bad = labels(fixtureIssuer, "CCRC", 1)[0]!;
    bad[bad.length - 20]! ^= 1;
    const c = await p.check([bad, ...labels(fixtureIssuer2, "ABC", 1)]);
    expect([c.verdict(0), c.verdict(1)]).toEqual([SIG_INVALID, SIG_UNCHECKED]);
  });

  it("a batch sent with an earlier one still out is verified with the keys the earlier one names", async () => {
    const p = pool(2);
    // Sent together, so the second batch's worker cannot know the key when it checks it (and,
    // the first batch being the longer, answers first).
    const first = [...labels(fixtureIssuer2, "ABC", 80), accredit("ABC", fixtureIssuer2)];
    const [a, b] = await Promise.all([p.check(first), p.check(labels(fixtureIssuer2, "ABC", 2))]);
    expect(a.unchecked()).toEqual([]);
    expect(b.unchecked()).toEqual([]);
    expect(b.entries.map((_, i) => b.verdict(i))).toEqual(b.entries.map(() => SIG_VALID));
  });

  it("a key taught to the pool is used by every worker; after close() batches run on this thread alike", async () => {
    const p = pool(2);
    p.teach([fixtureIssuer2.publicKey]);
    const batch = labels(fixtureIssuer2, "ABC", 5);
    const rs = await Promise.all([p.check(batch), p.check(batch)]);
    for (const r of rs) expect(batch.map((_, i) => r.verdict(i))).toEqual(batch.map(() => SIG_VALID));
    await p.close();
    const after = await p.check(batch);
    expect(batch.map((_, i) => after.verdict(i))).toEqual(batch.map(() => SIG_VALID));
    expect(after.leafHash(0)).toEqual(rs[0]!.leafHash(0));
  });
});
