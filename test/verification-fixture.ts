// A small registry with labels in every state, built through the real write path (Registry over
// the in-memory store, statements signed by testkit keys), for verifier and read tests.
import { ed25519NoteSigner } from "../log/note-keys.js";
import type { Statement } from "../proto/gen/messages/labelreg/v1/statement.js";
import {
  CATEGORY,
  DAY,
  T0,
  labelIssued,
  reason,
  signStatement,
  statement,
  testKey,
  type TestKey,
} from "./domain-testkit.js";
import { Reads } from "../services/reads/reads.js";
import { Registry } from "../services/registry.js";
import { openMemoryStore } from "../services/store/memory.js";
import type { TrustConfig } from "../services/verify/trust.js";

export const authority = testKey(1);
export const issuerKey = testKey(2);
export const rotatedKey = testKey(3);
export const logSigner = ed25519NoteSigner("registry.test/log", new Uint8Array(32).fill(9));
export const trust: TrustConfig = { logKey: logSigner.verifierKey, authorityPublicKey: authority.publicKey };

/** Label ids of the fixture, by what their bundle should verify as at T0 + 10 s. */
export const LABELS = {
  valid: "CCRC-1",
  revoked: "CCRC-2",
  suspended: "CCRC-3",
  /** Valid for one day: expired when evaluated at T0 + 2 days. */
  shortLived: "CCRC-4",
  notYetValid: "CCRC-5",
  /** Issued with the first key; upgraded, renewed, suspended, reinstated with the rotated key. */
  rotated: "CCRC-6",
} as const;

export interface Fixture {
  readonly registry: Registry;
  readonly reads: Reads;
  clock: bigint;
}

export async function buildFixture(): Promise<Fixture> {
  const fx = { clock: T0 } as { registry: Registry; reads: Reads; clock: bigint };
  const registry = await Registry.open({
    store: openMemoryStore(),
    logSigner,
    authorityPublicKey: authority.publicKey,
    now: () => fx.clock,
    batch: { lingerMs: 0 },
  });
  fx.registry = registry;
  fx.reads = new Reads(registry.view, registry.domain, { now: () => fx.clock });
  const submit = (key: TestKey, s: Statement) => registry.submit(signStatement(key, { ...s, signedAtUnix: fx.clock }));
  const version = (id: string) => registry.view.state.labels.get(id)!.version;
  const change = (key: TestKey, id: string, kind: Statement["kind"]) =>
    submit(key, statement(kind, { labelId: id, expectedLabelVersion: version(id) }));
  const issue = (key: TestKey, id: string, fields: Parameters<typeof labelIssued>[0] = {}) =>
    submit(
      key,
      statement({ $case: "labelIssued", value: labelIssued({ productModel: `M-${id}`, ...fields }) }, { labelId: id }),
    );

  await submit(
    authority,
    statement({
      $case: "categoryPublished",
      value: { categoryId: CATEGORY, name: "Consumer network cameras", description: "" },
    }),
  );
  await submit(
    authority,
    statement({
      $case: "categoryPublished",
      value: { categoryId: "home-router", name: "Home routers", description: "" },
    }),
  );
  await submit(
    authority,
    statement({
      $case: "issuerAccredited",
      value: {
        issuerId: "CCRC",
        name: "CCRC",
        publicKey: issuerKey.publicKey,
        scope: [
          { categoryId: CATEGORY, maxTier: 3 },
          { categoryId: "home-router", maxTier: 2 },
        ],
      },
    }),
  );
  await issue(issuerKey, LABELS.valid);
  await issue(issuerKey, LABELS.revoked);
  await issue(issuerKey, LABELS.suspended);
  await issue(issuerKey, LABELS.shortLived, { validUntilUnix: T0 + DAY });
  await issue(issuerKey, LABELS.notYetValid, { validFromUnix: T0 + 200n });
  await issue(issuerKey, LABELS.rotated, { tier: 1 });
  fx.clock += 1n;
  await change(issuerKey, LABELS.revoked, { $case: "labelRevoked", value: { reason: reason() } });
  await change(authority, LABELS.suspended, { $case: "labelSuspended", value: { reason: reason() } });
  await submit(
    authority,
    statement({
      $case: "issuerKeyRotated",
      value: { issuerId: "CCRC", newPublicKey: rotatedKey.publicKey, reason: reason() },
    }),
  );
  fx.clock += 1n;
  await change(rotatedKey, LABELS.rotated, {
    $case: "labelUpgraded",
    value: { tier: 3, testReport: { sha256: new Uint8Array(32).fill(7), uri: "https://lab.example/r2.pdf" } },
  });
  await change(rotatedKey, LABELS.rotated, {
    $case: "labelRenewed",
    value: { validUntilUnix: T0 + 400n * DAY, securitySupportUntilUnix: 0n, testReport: undefined },
  });
  await change(rotatedKey, LABELS.rotated, { $case: "labelSuspended", value: { reason: reason() } });
  await change(rotatedKey, LABELS.rotated, { $case: "labelReinstated", value: { reason: reason() } });
  await change(rotatedKey, LABELS.rotated, { $case: "labelDowngraded", value: { tier: 2, reason: reason() } });
  fx.clock += 8n;
  return fx;
}
