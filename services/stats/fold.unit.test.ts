import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Tier, type Statement } from "../../proto/gen/messages/labelreg/v1/statement.js";
import { IssuerStatus, type RegistryStats } from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import {
  CATEGORY,
  DAY,
  labelIssued,
  reason,
  statement,
  testKey,
  TestRegistry,
  type TestKey,
} from "../../test/domain-testkit.js";
import { check } from "../domain/check.js";
import { labelStatusAt } from "../domain/state.js";
import { isViolation } from "../domain/violation.js";
import { cosignaturesOf, StatsFold } from "./fold.js";
import { isoWeekOf } from "./week.js";

const ROUTER = "home-router";

/** The testkit's registry, with every accepted entry applied through a StatsFold. */
class Counted extends TestRegistry {
  readonly fold = new StatsFold();
  readonly issuers: { id: string; key: TestKey }[] = [
    { id: "CCRC", key: testKey(2) },
    { id: "TLAB", key: testKey(3) },
  ];
  private serial = 0;

  constructor() {
    super();
    this.must(
      this.authority,
      statement({
        $case: "categoryPublished",
        value: { categoryId: CATEGORY, name: "消费类网络摄像头", nameEn: "Consumer network cameras", description: "" },
      }),
    );
    this.must(
      this.authority,
      statement({ $case: "categoryPublished", value: { categoryId: ROUTER, name: "Home routers", description: "" } }),
    );
    for (const { id, key } of this.issuers) {
      this.must(
        this.authority,
        statement({
          $case: "issuerAccredited",
          value: {
            issuerId: id,
            name: `${id} certification`,
            publicKey: key.publicKey,
            scope: [
              { categoryId: CATEGORY, maxTier: 3 },
              { categoryId: ROUTER, maxTier: 3 },
            ],
          },
        }),
      );
    }
  }

  override submitSigned(signed: Parameters<TestRegistry["submitSigned"]>[0]) {
    const r = check(this.state, signed, this.now, this.config);
    if (r.kind === "accepted")
      this.fold.apply(this.state, { ...r.submission, sequencedAtUnix: this.now }, this.state.size);
    return r;
  }

  /** A map commitment at the current time (the batch end that moves "now" without a label event). */
  tick(): void {
    this.fold.apply(
      this.state,
      { commitment: { root: new Uint8Array(32), size: BigInt(this.state.size) }, sequencedAtUnix: this.now },
      this.state.size,
    );
  }

  issue(issuer: number, tier: Tier, category: string, days: bigint): string {
    const { id, key } = this.issuers[issuer]!;
    const labelId = `${id}-${++this.serial}`;
    this.submit(
      key,
      statement(
        {
          $case: "labelIssued",
          value: labelIssued({
            productModel: `M-${this.serial}`,
            tier,
            categoryId: category,
            validFromUnix: this.now - 10n,
            validUntilUnix: this.now + days * DAY,
            securitySupportUntilUnix: 0n,
          }),
        },
        { labelId, signedAtUnix: this.now },
      ),
    );
    return labelId;
  }

  change(labelId: string, kind: Statement["kind"], byAuthority = false): boolean {
    const r = this.state.labels.get(labelId);
    if (!r) return false;
    const key = byAuthority ? this.authority : this.issuers.find((i) => i.id === r.issuerId)!.key;
    const res = this.submit(key, statement(kind, { labelId, expectedLabelVersion: r.version, signedAtUnix: this.now }));
    return !isViolation(res) && res.kind === "accepted";
  }
}

/** The figures recounted the slow way: every label's status at as_of, every history event's week. */
function naive(reg: Counted, asOf: bigint) {
  const byTier = new Map<number, number>();
  const byCategory = new Map<string, number>();
  const byIssuer = new Map<string, { issued: number; suspended: number; revoked: number; active: number }>();
  const weeks = new Map<string, { issued: number; suspended: number; revoked: number }>();
  for (const r of reg.state.labels.values()) {
    const i = byIssuer.get(r.issuerId) ?? { issued: 0, suspended: 0, revoked: 0, active: 0 };
    byIssuer.set(r.issuerId, i);
    if (labelStatusAt(r, asOf) === "ACTIVE") {
      byTier.set(r.tier, (byTier.get(r.tier) ?? 0) + 1);
      byCategory.set(r.categoryId, (byCategory.get(r.categoryId) ?? 0) + 1);
      i.active++;
    }
    for (const h of r.history) {
      const field =
        h.kind === "labelIssued"
          ? "issued"
          : h.kind === "labelSuspended"
            ? "suspended"
            : h.kind === "labelRevoked"
              ? "revoked"
              : undefined;
      if (!field) continue;
      i[field]++;
      const w = isoWeekOf(Number(h.sequencedAtUnix));
      const c = weeks.get(w) ?? { issued: 0, suspended: 0, revoked: 0 };
      weeks.set(w, c);
      c[field]++;
    }
  }
  return { byTier, byCategory, byIssuer, weeks };
}

function expectMatchesNaive(reg: Counted, s: RegistryStats): void {
  const n = naive(reg, s.asOfUnix);
  expect(s.activeByTier.map((t) => [t.tier, Number(t.labels)])).toEqual(
    [1, 2, 3].map((t) => [t, n.byTier.get(t) ?? 0]),
  );
  expect(s.activeByCategory.map((c) => [c.categoryId, Number(c.labels)])).toEqual([
    [CATEGORY, n.byCategory.get(CATEGORY) ?? 0],
    [ROUTER, n.byCategory.get(ROUTER) ?? 0],
  ]);
  for (const i of s.issuers) {
    const want = n.byIssuer.get(i.issuerId) ?? { issued: 0, suspended: 0, revoked: 0, active: 0 };
    expect([i.issuerId, Number(i.issued), Number(i.suspended), Number(i.revoked), Number(i.active)]).toEqual([
      i.issuerId,
      want.issued,
      want.suspended,
      want.revoked,
      want.active,
    ]);
  }
  const nonZero = s.weeks
    .filter((w) => w.issued + w.suspended + w.revoked > 0n)
    .map((w) => [w.week, Number(w.issued), Number(w.suspended), Number(w.revoked)]);
  expect(nonZero).toEqual(
    [...n.weeks.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([w, c]) => [w, c.issued, c.suspended, c.revoked]),
  );
  // Every week from the first event to as_of is listed, each once, in order.
  const names = s.weeks.map((w) => w.week);
  expect([...names].sort()).toEqual(names);
  expect(new Set(names).size).toBe(names.length);
  if (names.length > 0) expect(names[names.length - 1]).toBe(isoWeekOf(Number(s.asOfUnix)));
}

describe("StatsFold", () => {
  it("counts active labels by tier, category and issuer, and events per ISO week and issuer", () => {
    const reg = new Counted();
    const a = reg.issue(0, Tier.TIER_BASIC, CATEGORY, 30n);
    const b = reg.issue(0, Tier.TIER_ENHANCED, CATEGORY, 400n);
    const c = reg.issue(1, Tier.TIER_LEADING, ROUTER, 400n);
    reg.now += 7n * DAY;
    expect(reg.change(b, { $case: "labelSuspended", value: { reason: reason() } })).toBe(true);
    expect(reg.change(c, { $case: "labelRevoked", value: { reason: reason() } }, true)).toBe(true);
    reg.tick();
    let s = reg.fold.snapshot(reg.state, "");
    expect(s.activeByTier.map((t) => Number(t.labels))).toEqual([1, 0, 0]);
    expect(s.labels).toBe(3n);
    expect(s.issuers.map((i) => [i.issuerId, i.issued, i.suspended, i.revoked, i.active])).toEqual([
      ["CCRC", 2n, 1n, 0n, 1n],
      // Revoked by the authority: it counts for the label's issuer.
      ["TLAB", 1n, 0n, 1n, 0n],
    ]);
    expect(s.issuers[0]!.status).toBe(IssuerStatus.ISSUER_STATUS_ACTIVE);
    expect(s.activeByCategory[0]).toMatchObject({ categoryId: CATEGORY, nameEn: "Consumer network cameras" });
    expect(s.weeks.map((w) => w.week)).toEqual([isoWeekOf(Number(reg.now - 7n * DAY)), isoWeekOf(Number(reg.now))]);
    // Label a expires 30 days after issue: "now" passing it (an entry later) takes it out.
    reg.now += 30n * DAY;
    reg.tick();
    s = reg.fold.snapshot(reg.state, "");
    expect(s.activeByTier.map((t) => Number(t.labels))).toEqual([0, 0, 0]);
    expect(reg.change(b, { $case: "labelReinstated", value: { reason: reason() } })).toBe(true);
    s = reg.fold.snapshot(reg.state, "");
    expect(s.activeByTier.map((t) => Number(t.labels))).toEqual([0, 1, 0]);
    expect(s.treeSize).toBe(BigInt(reg.state.size));
    expect(s.commitments).toBe(2n);
    expect(s.statements + s.commitments).toBe(s.treeSize);
    expectMatchesNaive(reg, s);
    expect(reg.state.labels.get(a)!.state).toBe("ACTIVE");
  });

  it("a renewal keeps an expiring label active past its old end", () => {
    const reg = new Counted();
    const a = reg.issue(0, Tier.TIER_ENHANCED, CATEGORY, 10n);
    reg.now += 5n * DAY;
    const r = reg.state.labels.get(a)!;
    expect(
      reg.change(a, {
        $case: "labelRenewed",
        value: { validUntilUnix: r.validUntilUnix + 100n * DAY, securitySupportUntilUnix: 0n, testReport: undefined },
      }),
    ).toBe(true);
    reg.now += 20n * DAY;
    reg.tick();
    expect(reg.fold.snapshot(reg.state, "").activeByTier[1]!.labels).toBe(1n);
    reg.now += 100n * DAY;
    reg.tick();
    expect(reg.fold.snapshot(reg.state, "").activeByTier[1]!.labels).toBe(0n);
  });

  it("equals a recount from the labels after any sequence of label events over time", () => {
    type Op =
      | { op: "issue"; issuer: number; tier: Tier; router: boolean; days: number }
      | {
          op: "change";
          pick: number;
          kind: "suspend" | "reinstate" | "revoke" | "renew" | "up" | "down";
          auth: boolean;
        }
      | { op: "wait"; days: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({
        op: fc.constant("issue" as const),
        issuer: fc.integer({ min: 0, max: 1 }),
        tier: fc.constantFrom(Tier.TIER_BASIC, Tier.TIER_ENHANCED, Tier.TIER_LEADING),
        router: fc.boolean(),
        days: fc.integer({ min: 1, max: 120 }),
      }),
      fc.record({
        op: fc.constant("change" as const),
        pick: fc.nat(),
        kind: fc.constantFrom("suspend", "reinstate", "revoke", "renew", "up", "down"),
        auth: fc.boolean(),
      }),
      fc.record({ op: fc.constant("wait" as const), days: fc.integer({ min: 0, max: 40 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const reg = new Counted();
        const ids: string[] = [];
        for (const o of ops) {
          if (o.op === "wait") {
            reg.now += BigInt(o.days) * DAY + 1n;
            reg.tick();
          } else if (o.op === "issue") {
            ids.push(reg.issue(o.issuer, o.tier, o.router ? ROUTER : CATEGORY, BigInt(o.days)));
          } else if (ids.length > 0) {
            const id = ids[o.pick % ids.length]!;
            const r = reg.state.labels.get(id);
            if (!r) continue;
            const kinds: Record<typeof o.kind, Statement["kind"]> = {
              suspend: { $case: "labelSuspended", value: { reason: reason() } },
              reinstate: { $case: "labelReinstated", value: { reason: reason() } },
              revoke: { $case: "labelRevoked", value: { reason: reason() } },
              renew: {
                $case: "labelRenewed",
                value: { validUntilUnix: reg.now + 90n * DAY, securitySupportUntilUnix: 0n, testReport: undefined },
              },
              up: {
                $case: "labelUpgraded",
                value: {
                  tier: Math.min(3, r.tier + 1),
                  testReport: { sha256: new Uint8Array(32).fill(5), uri: "https://lab.example/u.pdf" },
                },
              },
              down: { $case: "labelDowngraded", value: { tier: Math.max(1, r.tier - 1), reason: reason() } },
            };
            reg.change(id, kinds[o.kind], o.auth);
          }
          expectMatchesNaive(reg, reg.fold.snapshot(reg.state, ""));
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe("cosignaturesOf", () => {
  it("lists the signatures other than the log's, with cosignature timestamps", () => {
    const logSig = Buffer.concat([Buffer.from([1, 2, 3, 4]), Buffer.alloc(64, 7)]).toString("base64");
    const ts = Buffer.alloc(8);
    ts.writeBigUInt64BE(1_800_000_123n);
    const cosig = Buffer.concat([Buffer.from([9, 9, 9, 9]), ts, Buffer.alloc(64, 8)]).toString("base64");
    const note = `log.test/x\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n— log.test/x ${logSig}\n— witness.test/w ${cosig}\n`;
    expect(cosignaturesOf(note)).toEqual([{ name: "witness.test/w", timestampUnix: 1_800_000_123n }]);
    expect(cosignaturesOf("")).toEqual([]);
  });
});
