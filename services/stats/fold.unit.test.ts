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
import { toHex, utf8 } from "../../log/bytes.js";
import { apply } from "../domain/apply.js";
import { RegistryState } from "../domain/state.js";
import { StateSizeError } from "../store/state-fetch.js";
import type { StateKey, StateRowWrite, StateScan, StateTable, StateTables } from "../store/state.js";
import { cosignaturesOf, StatsFold, type FoldedEntry } from "./fold.js";
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

  /** Every entry folded, in log order. */
  readonly log: FoldedEntry[] = [];
  /** The rows each entry's fork wrote, as the sequencer writes them: a store's two statistics tables. */
  readonly tables = new RowTables();
  /** A fold loaded from `tables` (follow()), with its own state, following the same entries. */
  follower: { fold: StatsFold; state: RegistryState } | undefined;

  override submitSigned(signed: Parameters<TestRegistry["submitSigned"]>[0]) {
    const r = check(this.state, signed, this.now, this.config);
    if (r.kind === "accepted") this.fold1({ ...r.submission, sequencedAtUnix: this.now });
    return r;
  }

  /** A map commitment at the current time (the batch end that moves "now" without a label event). */
  tick(): void {
    this.fold1({ commitment: { root: new Uint8Array(32), size: BigInt(this.state.size) }, sequencedAtUnix: this.now });
  }

  /** As the sequencer: the rows from a fork folded in a rolled-back transaction, then the fold. */
  private fold1(entry: FoldedEntry): void {
    const index = this.state.size;
    this.state.begin();
    const fork = this.fold.fork(entry.sequencedAtUnix);
    fork.apply(this.state, entry, index);
    const rows = fork.rows();
    this.state.rollback();
    this.tables.write(rows, index + 1);
    this.fold.apply(this.state, entry, index);
    this.log.push(entry);
    this.follower?.fold.apply(this.follower.state, entry, index);
  }

  /** Starts a follower: a fold loaded from the rows, over a state replayed without statistics. */
  async follow(): Promise<void> {
    const state = new RegistryState(this.authority.publicKey);
    this.log.forEach((e, i) => apply(state, e, i));
    this.follower = { fold: await StatsFold.load(this.tables, this.state.size), state };
  }

  /** What a registry serving from its store does before a batch: loads the boundaries due by now. */
  async prepare(): Promise<string[]> {
    return this.follower ? this.follower.fold.prepare(this.now, this.tables) : [];
  }

  /** Issues a label valid for `days` from now, starting `startIn` seconds from now. */
  issue(issuer: number, tier: Tier, category: string, days: bigint, startIn = -10n): string {
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
            validFromUnix: this.now + startIn,
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

/** A store's statistics tables in memory: rows by table, in bytewise key order for scans. */
class RowTables implements Pick<StateTables, "scanState"> {
  private readonly rows = new Map<StateTable, Map<string, { key: Uint8Array; value: Uint8Array }>>();
  private size = 0;

  write(rows: readonly StateRowWrite[], size: number): void {
    for (const r of rows) {
      const key = typeof r.key === "string" ? utf8(r.key) : r.key;
      let t = this.rows.get(r.table);
      if (!t) this.rows.set(r.table, (t = new Map()));
      if (r.value) t.set(toHex(key), { key, value: r.value });
      else t.delete(toHex(key));
    }
    this.size = size;
  }

  /** Every row, by table and key hex, with the value's hex. */
  all(): Map<StateTable, Map<string, string>> {
    const out = new Map<StateTable, Map<string, string>>();
    for (const [t, rows] of this.rows)
      if (rows.size > 0) out.set(t, new Map([...rows].map(([k, r]) => [k, toHex(r.value)])));
    return out;
  }

  async scanState(table: StateTable, after: StateKey | undefined, limit: number): Promise<StateScan> {
    const from = after === undefined ? "" : toHex(typeof after === "string" ? utf8(after) : after);
    const keys = [...(this.rows.get(table)?.keys() ?? [])].filter((k) => k > from).sort();
    return { size: this.size, rows: keys.slice(0, limit).map((k) => this.rows.get(table)!.get(k)!) };
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

  it("equals a recount from the labels after any sequence of label events over time, in memory and from its rows", async () => {
    type Op =
      | { op: "issue"; issuer: number; tier: Tier; router: boolean; days: number; startIn: number }
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
        startIn: fc.integer({ min: -10, max: 280 }),
      }),
      fc.record({
        op: fc.constant("change" as const),
        pick: fc.nat(),
        kind: fc.constantFrom("suspend", "reinstate", "revoke", "renew", "up", "down"),
        auth: fc.boolean(),
      }),
      fc.record({ op: fc.constant("wait" as const), days: fc.integer({ min: 0, max: 40 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), fc.nat({ max: 40 }), async (ops, followFrom) => {
        const reg = new Counted();
        const ids: string[] = [];
        for (const [step, o] of ops.entries()) {
          if (step === followFrom) await reg.follow();
          // Due boundaries name only labels there are.
          for (const id of await reg.prepare()) expect(reg.state.labels.has(id)).toBe(true);
          if (o.op === "wait") {
            reg.now += BigInt(o.days) * DAY + 1n;
            await reg.prepare();
            reg.tick();
          } else if (o.op === "issue") {
            ids.push(reg.issue(o.issuer, o.tier, o.router ? ROUTER : CATEGORY, BigInt(o.days), BigInt(o.startIn)));
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
          const figures = reg.fold.snapshot(reg.state, "");
          expectMatchesNaive(reg, figures);
          // The rows the forks wrote, entry by entry, are every row of the fold; a fold loaded
          // from them, and one that has followed the entries since it was loaded, agree with it.
          const want = new Map<StateTable, Map<string, string>>();
          for (const r of reg.fold.allRows(reg.state)) {
            if (!want.has(r.table)) want.set(r.table, new Map());
            want.get(r.table)!.set(toHex(typeof r.key === "string" ? utf8(r.key) : r.key), toHex(r.value!));
          }
          expect(reg.tables.all()).toEqual(want);
          expect((await StatsFold.load(reg.tables, reg.state.size)).snapshot(reg.state, "")).toEqual(figures);
          if (reg.follower) expect(reg.follower.fold.snapshot(reg.follower.state, "")).toEqual(figures);
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe("StatsFold from its rows", () => {
  it("folds no later time than it has prepared, nor reads rows of another size", async () => {
    const reg = new Counted();
    const a = reg.issue(0, Tier.TIER_BASIC, CATEGORY, 2n);
    await reg.follow();
    const { fold } = reg.follower!;
    expect(() => fold.fork(reg.now + DAY)).toThrow(/not loaded \(prepare first\)/);
    reg.now += 3n * DAY;
    const { state } = reg.follower!;
    const commitment = { commitment: { root: new Uint8Array(32), size: BigInt(state.size) }, sequencedAtUnix: reg.now };
    expect(() => fold.apply(state, commitment, state.size)).toThrow(/prepare first/);
    expect(state.size).toBe(reg.state.size);
    // Prepared, it names the label whose end is due and passes it.
    expect(await reg.prepare()).toEqual([a]);
    const before = fold.snapshot(reg.follower!.state, "");
    reg.tick();
    expect(before.activeByTier[0]!.labels).toBe(1n);
    expect(fold.snapshot(reg.follower!.state, "").activeByTier[0]!.labels).toBe(0n);
    // The rows moved on with the log; the fold has not seen the next entry.
    reg.tables.write([], reg.state.size + 1);
    reg.now += 1n;
    await expect(fold.prepare(reg.now, reg.tables)).rejects.toBeInstanceOf(StateSizeError);
    await expect(StatsFold.load(reg.tables, reg.state.size)).rejects.toBeInstanceOf(StateSizeError);
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
