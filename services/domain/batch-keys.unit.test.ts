// A partial state fed by prefetch() gives exactly what a complete state gives: the same outcome
// for every statement and the same map values, over random workloads and evictions. A key the
// batch reads but prefetch() did not name would throw NotLoadedError, so this also proves the
// key rounds complete.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nodeEd25519 } from "../crypto/ed25519-node.js";
import type { Statement } from "../../proto/gen/messages/labelreg/v1/statement.js";
import { defaultMapHasher } from "../../log/map/index.js";
import {
  CATEGORY,
  DAY,
  labelIssued,
  reason,
  signStatement,
  statement,
  T0,
  testKey,
} from "../../test/domain-testkit.js";
import { apply } from "./apply.js";
import { prefetch, statementKeys, type StateFetch } from "./batch-keys.js";
import { authenticate, checkRules } from "./check.js";
import { domainConfig } from "./config.js";
import { parseSignedStatement } from "./decode.js";
import { mapEntries, MapTouched } from "./map-values.js";
import { productKey, RegistryState, type Signer } from "./state.js";
import { isViolation } from "./violation.js";
import { toHex } from "../../log/bytes.js";

const authority = testKey(1);
const issuers = [
  { id: "CCRC", key: testKey(2) },
  { id: "TUV", key: testKey(3) },
];
const config = domainConfig("registry.test/log", authority.publicKey, nodeEd25519.verify);
const CODES = ["91330100MA2AXXXX1X", "91110000MA01YYYY2Y"];
const MODELS = ["EV-C200", "ev-c300"];

/** Reads a complete state as a store's rows would give it. */
function fetchFrom(full: RegistryState): StateFetch {
  return {
    labels: async (ids) => ids.map((id) => full.labels.get(id)),
    products: async (keys) =>
      keys.map((k) => {
        const labelIds = full.productLabels.get(k);
        return labelIds && { productKey: k, labelIds, liveLabelId: full.liveByProduct.get(k) };
      }),
    manufacturers: async (codes) => codes.map((c) => full.manufacturerProducts.get(c)),
    requests: async (keys) => keys.map((k) => full.requests.get(k)),
  };
}

type Op =
  | { op: "issue"; label: number; issuer: number; code: number; model: number; days: number }
  | {
      op: "change";
      label: number;
      issuer: number;
      byAuthority: boolean;
      kind: "up" | "down" | "renew" | "suspend" | "reinstate" | "revoke";
    }
  | { op: "retry"; back: number }
  | { op: "wait"; days: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant("issue" as const),
    label: fc.nat(7),
    issuer: fc.nat(1),
    code: fc.nat(1),
    model: fc.nat(1),
    days: fc.integer({ min: 1, max: 400 }),
  }),
  fc.record({
    op: fc.constant("change" as const),
    label: fc.nat(15),
    issuer: fc.nat(1),
    byAuthority: fc.boolean(),
    kind: fc.constantFrom("up", "down", "renew", "suspend", "reinstate", "revoke"),
  }),
  fc.record({ op: fc.constant("retry" as const), back: fc.nat(5) }),
  fc.record({ op: fc.constant("wait" as const), days: fc.integer({ min: 1, max: 200 }) }),
);

type Sent = { key: ReturnType<typeof testKey>; s: Statement };

/** A complete state and a partial one fed from it, run batch by batch side by side. */
class SideBySide {
  readonly full = new RegistryState(authority.publicKey);
  readonly part = new RegistryState(authority.publicKey, { partial: true });
  now = T0;

  /** Records kept between batches: one number for every table, or labels, products, manufacturers, request ids apart. */
  constructor(private readonly keep: number | readonly [number, number, number, number]) {}

  version(id: string): bigint {
    return this.full.labels.get(id)?.version ?? 0n;
  }

  /** Runs one batch on both; returns each statement's outcome (a rule, "accepted" or "replay"). */
  async run(batch: readonly Sent[]): Promise<string[]> {
    const { full, part, now } = this;
    // Statements refused before the sequencer (syntax, signature) never reach a batch.
    const items = batch.flatMap(({ key, s }) => {
      const sub = parseSignedStatement(signStatement(key, s));
      return isViolation(sub) ? [] : [{ sub, signer: authenticate(full, sub, config), statement: s }];
    });
    const authentic = items.filter((i): i is typeof i & { signer: Signer } => !isViolation(i.signer));
    await prefetch(part, statementKeys(authentic), fetchFrom(full));
    const outcomes: string[][] = [];
    const values: string[][] = [];
    for (const state of [full, part]) {
      const touched = new MapTouched();
      const out: string[] = [];
      state.begin();
      for (const { sub, signer } of authentic) {
        const r = checkRules(state, sub, signer, now, config);
        out.push(r.kind === "violation" ? r.rule : r.kind);
        if (r.kind === "accepted") {
          apply(state, { ...sub, sequencedAtUnix: now }, state.size);
          touched.add(state, sub.statement);
        }
      }
      values.push(mapEntries(state, touched, defaultMapHasher).map((e) => toHex(e.key) + toHex(e.value)));
      state.commit();
      outcomes.push(out);
    }
    expect(outcomes[1]).toEqual(outcomes[0]);
    expect(values[1]).toEqual(values[0]);
    if (typeof this.keep === "number") part.evict(this.keep);
    else {
      const [labels, products, manufacturers, requests] = this.keep;
      part.labels.evictTo(labels);
      for (const key of part.productLabels.evictTo(products)) part.liveByProduct.forget(key);
      part.manufacturerProducts.evictTo(manufacturers);
      part.requests.evictTo(requests);
    }
    return outcomes[0]!;
  }

  async setUp(): Promise<void> {
    await this.run([
      {
        key: authority,
        s: statement({ $case: "categoryPublished", value: { categoryId: CATEGORY, name: "Cameras", description: "" } }),
      },
    ]);
    await this.run(
      issuers.map((i) => ({
        key: authority,
        s: statement({
          $case: "issuerAccredited",
          value: {
            issuerId: i.id,
            name: i.id,
            publicKey: i.key.publicKey,
            scope: [{ categoryId: CATEGORY, maxTier: 3 }],
          },
        }),
      })),
    );
  }

  issue(id: string, code: number, model: number, days = 365): Sent {
    return {
      key: issuers[0]!.key,
      s: statement(
        {
          $case: "labelIssued",
          value: labelIssued({
            manufacturer: { name: "M", registrationCode: CODES[code]! },
            productModel: MODELS[model]!,
            validFromUnix: this.now - 10n,
            validUntilUnix: this.now + BigInt(days) * DAY,
          }),
        },
        { labelId: id, signedAtUnix: this.now },
      ),
    };
  }

  revoke(id: string): Sent {
    return {
      key: issuers[0]!.key,
      s: statement(
        { $case: "labelRevoked", value: { reason: reason() } },
        { labelId: id, expectedLabelVersion: this.version(id), signedAtUnix: this.now },
      ),
    };
  }
}

describe("prefetch into a partial state", () => {
  // A store holding nothing in memory between batches is the hardest case: evict everything.
  it("loads the first label of a manufacturer's newest product (its map value names that label's index)", async () => {
    const r = new SideBySide(0);
    await r.setUp();
    // Each statement is made when it is sent: a revocation expects the label's version then.
    for (const sent of [
      () => r.issue("CCRC-X1", 0, 0),
      () => r.issue("CCRC-A1", 0, 1),
      () => r.revoke("CCRC-A1"),
      () => r.issue("CCRC-A2", 0, 1),
      () => r.revoke("CCRC-X1"),
      // The manufacturer's value is written again: its newest product is A's, first labelled by A1.
      () => r.issue("CCRC-X2", 0, 0),
    ])
      expect(await r.run([sent()])).toEqual(["accepted"]);
  });

  it("loads the first label of a manufacturer's newest product when the product is held and the label is not", async () => {
    const r = new SideBySide(1_000_000);
    await r.setUp();
    for (const sent of [() => r.issue("CCRC-X1", 0, 0), () => r.issue("CCRC-A1", 0, 1)])
      expect(await r.run([sent()])).toEqual(["accepted"]);
    // The newest product (A's) and the manufacturer stay held; A's first label is let go.
    r.part.labels.forget("CCRC-A1");
    r.part.labels.forget("CCRC-X1");
    r.part.productLabels.forget(productKey(CODES[0]!, MODELS[0]!));
    r.part.liveByProduct.forget(productKey(CODES[0]!, MODELS[0]!));
    r.now += 400n * DAY; // X1 expired: its product may be labelled again, rewriting the manufacturer's value
    expect(await r.run([r.issue("CCRC-X2", 0, 0)])).toEqual(["accepted"]);
  });

  it("loads a product's latest label when an older one is revoked (the product's value names it)", async () => {
    const r = new SideBySide(0);
    await r.setUp();
    expect(await r.run([r.issue("CCRC-A1", 0, 0, 30)])).toEqual(["accepted"]);
    r.now += 31n * DAY; // A1 expires: the product may be labelled again
    for (const sent of [() => r.issue("CCRC-A2", 0, 0), () => r.revoke("CCRC-A2"), () => r.revoke("CCRC-A1")])
      expect(await r.run([sent()])).toEqual(["accepted"]);
  });

  it("gives every statement the outcome and every batch the map values of a complete state (fuzz)", () =>
    fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(opArb, fc.nat(3)), { minLength: 1, maxLength: 60 }),
        // Budgets in bytes (record-bytes.ts): from none to a few records.
        fc.oneof(fc.nat(8000), fc.tuple(fc.nat(3000), fc.nat(1000), fc.nat(1000), fc.nat(1000))),
        async (ops, keep) => {
          const r = new SideBySide(keep);
          await r.setUp();
          const sent: Sent[] = [];
          const labels: { id: string; issuer: number }[] = [];
          const labelId = (n: number, issuer: number) => `${issuers[issuer]!.id}-${n}`;
          const run = (batch: Sent[]) => r.run(batch);
          let batch: { key: ReturnType<typeof testKey>; s: Statement }[] = [];
          for (const [op, cut] of ops) {
            if (op.op === "wait") {
              // Statements are signed at the time they are sequenced: a batch ends before time moves.
              if (batch.length > 0) await run(batch);
              batch = [];
              r.now += BigInt(op.days) * DAY;
            } else if (op.op === "retry") {
              const earlier = sent[sent.length - 1 - op.back];
              if (earlier) batch.push(earlier);
            } else if (op.op === "issue") {
              const id = labelId(op.label, op.issuer);
              const s = statement(
                {
                  $case: "labelIssued",
                  value: labelIssued({
                    manufacturer: { name: "M", registrationCode: CODES[op.code]! },
                    productModel: MODELS[op.model]!,
                    validFromUnix: r.now - 10n,
                    validUntilUnix: r.now + BigInt(op.days) * DAY,
                  }),
                },
                { labelId: id, signedAtUnix: r.now },
              );
              sent.push({ key: issuers[op.issuer]!.key, s });
              labels.push({ id, issuer: op.issuer });
              batch.push(sent[sent.length - 1]!);
            } else {
              // One of the labels issued so far, by its issuer or the authority.
              const target = labels[op.label % Math.max(1, labels.length)];
              if (!target) continue;
              const id = target.id;
              const common = { labelId: id, expectedLabelVersion: r.version(id), signedAtUnix: r.now };
              const kind: Statement["kind"] =
                op.kind === "up"
                  ? { $case: "labelUpgraded", value: { tier: 3, testReport: undefined } }
                  : op.kind === "down"
                    ? { $case: "labelDowngraded", value: { tier: 1, reason: reason() } }
                    : op.kind === "renew"
                      ? {
                          $case: "labelRenewed",
                          value: {
                            validUntilUnix: r.now + 500n * DAY,
                            securitySupportUntilUnix: 0n,
                            testReport: undefined,
                          },
                        }
                      : op.kind === "suspend"
                        ? { $case: "labelSuspended", value: { reason: reason() } }
                        : op.kind === "reinstate"
                          ? { $case: "labelReinstated", value: { reason: reason() } }
                          : { $case: "labelRevoked", value: { reason: reason() } };
              sent.push({ key: op.byAuthority ? authority : issuers[target.issuer]!.key, s: statement(kind, common) });
              batch.push(sent[sent.length - 1]!);
            }
            if (cut === 0 && batch.length > 0) {
              await run(batch);
              batch = [];
            }
          }
          if (batch.length > 0) await run(batch);
          // The partial state ends where the complete one does, for everything it still holds.
          for (const [id, label] of r.part.labels) expect(label).toEqual(r.full.labels.get(id));
        },
      ),
      { numRuns: 150 },
    ));
});
