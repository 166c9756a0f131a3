// The state rows a sequencer writes, under random workloads: random label events on a few labels
// and products, by the issuer and the authority, in random groupings into batches (many refused
// by the rules, and retried requests), with a key rotation and an issuer suspension somewhere.
// After every workload the rows are exactly those a replay of the log gives.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ed25519NoteSigner } from "../../log/note-keys.js";
import type { Statement } from "../../proto/gen/messages/labelreg/v1/statement.js";
import {
  CATEGORY,
  T0,
  labelIssued,
  reason,
  signStatement,
  statement,
  testKey,
  type TestKey,
} from "../../test/domain-testkit.js";
import { expectRowsOf, replayedState } from "../../test/state-rows-kit.js";
import { Registry } from "../registry.js";
import { openMemoryStore } from "../store/memory.js";

const authority = testKey(1);
const issuer = testKey(2);
const rotated = testKey(3);
const logSigner = ed25519NoteSigner("registry.test/log", new Uint8Array(32).fill(9));

type Op =
  | { kind: "issue"; label: number; model: number }
  | { kind: "change"; label: number; event: number; byAuthority: boolean }
  | { kind: "rotate" }
  | { kind: "suspendIssuer" }
  | { kind: "retry" };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 12, arbitrary: fc.record({ kind: fc.constant("issue" as const), label: fc.nat(5), model: fc.nat(3) }) },
  {
    weight: 20,
    arbitrary: fc.record({
      kind: fc.constant("change" as const),
      label: fc.nat(5),
      event: fc.nat(5),
      byAuthority: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "rotate" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "suspendIssuer" as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: "retry" as const }) },
);

const EVENTS: Statement["kind"][] = [
  {
    $case: "labelUpgraded",
    value: { tier: 3, testReport: { sha256: new Uint8Array(32).fill(5), uri: "https://lab.example/r.pdf" } },
  },
  { $case: "labelDowngraded", value: { tier: 1, reason: reason() } },
  {
    $case: "labelRenewed",
    value: { validUntilUnix: T0 + 86_400n * 800n, securitySupportUntilUnix: 0n, testReport: undefined },
  },
  { $case: "labelSuspended", value: { reason: reason() } },
  { $case: "labelReinstated", value: { reason: reason() } },
  { $case: "labelRevoked", value: { reason: reason() } },
];

describe("the state rows a sequencer writes", () => {
  it("equal a replay's after random workloads in random batches", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(op, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 16 }),
        async (groups) => {
          const store = openMemoryStore();
          const registry = await Registry.open({
            store,
            logSigner,
            authorityPublicKey: authority.publicKey,
            now: () => T0,
            batch: { lingerMs: 2 },
            verifyAsync: false,
          });
          try {
            const send = (key: TestKey, s: Statement) => registry.submit(signStatement(key, s));
            await send(
              authority,
              statement({ $case: "categoryPublished", value: { categoryId: CATEGORY, name: "C", description: "" } }),
            );
            await send(
              authority,
              statement({
                $case: "issuerAccredited",
                value: {
                  issuerId: "CCRC",
                  name: "CCRC",
                  publicKey: issuer.publicKey,
                  scope: [{ categoryId: CATEGORY, maxTier: 3 }],
                },
              }),
            );
            let current = issuer;
            let last: Statement | undefined;
            for (const [g, group] of groups.entries()) {
              // Changes to one label in one group expect successive versions, so that a batch
              // may hold several events of one label.
              const planned = new Map<string, bigint>();
              const sends = group.map((o) => {
                let s: Statement;
                let key = current;
                switch (o.kind) {
                  case "issue":
                    s = statement(
                      { $case: "labelIssued", value: labelIssued({ productModel: `M-${o.model}` }) },
                      { labelId: `CCRC-${o.label}` },
                    );
                    break;
                  case "change": {
                    // One of the labels issued so far (a change to none is refused, uninteresting).
                    const ids = [...registry.view.state.labels.keys()];
                    if (ids.length === 0) return Promise.resolve();
                    const id = ids[o.label % ids.length]!;
                    const version = planned.get(id) ?? registry.view.state.labels.get(id)!.version;
                    planned.set(id, version + 1n);
                    s = statement(EVENTS[o.event], { labelId: id, expectedLabelVersion: version });
                    if (o.byAuthority) key = authority;
                    break;
                  }
                  case "rotate":
                    key = authority;
                    s = statement({
                      $case: "issuerKeyRotated",
                      value: { issuerId: "CCRC", newPublicKey: rotated.publicKey, reason: reason() },
                    });
                    current = rotated;
                    break;
                  case "suspendIssuer":
                    // Only in the last batches: a suspended issuer's statements are all refused.
                    if (g < groups.length - 2) return Promise.resolve();
                    key = authority;
                    s = statement({ $case: "issuerSuspended", value: { issuerId: "CCRC", reason: reason() } });
                    break;
                  case "retry":
                    if (!last) return Promise.resolve();
                    return registry.submit(signStatement(current, last)).catch(() => undefined);
                }
                last = s;
                return send(key, s).catch(() => undefined);
              });
              await Promise.all(sends);
            }
            const replayed = await replayedState(store, authority.publicKey);
            expect(replayed.size).toBe(registry.view.size);
            await expectRowsOf(store, replayed);
          } finally {
            await registry.close();
          }
        },
      ),
      { numRuns: 25 },
    );
  }, 180_000);
});
