// Test support: a real registry (memory store, real sequencer and signatures) holding a few
// labels in different states, with the gateway mounted on it exactly as `labelreg serve` does.

import { ed25519NoteSigner } from "../../log/note-keys.js";
import { type Statement, Tier } from "../../proto/gen/messages/labelreg/v1/statement.js";
import { CATEGORY, DAY, T0, labelIssued, reason, signStatement, statement, testKey } from "../domain-testkit.js";
import { Registry } from "../../services/registry.js";
import { MemoryLog, openMemoryStore } from "../../services/store/memory.js";
import { startRegistryGateway } from "../../gateway/mount.js";
import { silentLogger } from "../../gateway/ops/log.js";
import { GatewayMetrics } from "../../gateway/ops/metrics.js";
import type { RunningGateway } from "../../gateway/server.js";

export const authority = testKey(1);
/** The gateway's clock: just after the registry's (T0), inside every fixture label's validity. */
export const FIXTURE_NOW = new Date(Number(T0 + 100n) * 1000);
export const issuerKey = testKey(2);
export const fixtureLogSigner = ed25519NoteSigner("labels.example.test/log", new Uint8Array(32).fill(9));

export interface Fixture {
  readonly registry: Registry;
  readonly memLog: MemoryLog;
  readonly gw: RunningGateway;
  readonly metrics: GatewayMetrics;
  submit(s: Statement): Promise<number>;
  close(): Promise<void>;
}

export const issue = (labelId: string, model: string, tier = Tier.TIER_ENHANCED) =>
  statement({ $case: "labelIssued", value: labelIssued({ productModel: model, tier }) }, { labelId });

/**
 * Publishes the camera category, accredits issuer CCRC (issuerKey) and issues CCRC-1 (then
 * upgraded to 3 stars, with a second test report) and CCRC-2 (then revoked), all through
 * `registry.submit`, in that order. Statements are signed at `at` (default the testkit's T0) and
 * labels are valid from just before it, so a registry on the real clock can pass `now`.
 */
export async function seedLabels(registry: Pick<Registry, "submit" | "origin">, at: bigint = T0): Promise<void> {
  const submitAs = (key: typeof authority, s: Statement) =>
    registry.submit(signStatement(key, { ...s, signedAtUnix: at, logOrigin: registry.origin }));
  const issueAt = (labelId: string, productModel: string) =>
    statement(
      {
        $case: "labelIssued",
        value: labelIssued({
          productModel,
          tier: Tier.TIER_ENHANCED,
          validFromUnix: at - 10n,
          validUntilUnix: at + 365n * DAY,
          securitySupportUntilUnix: at + 5n * 365n * DAY,
        }),
      },
      { labelId },
    );
  await submitAs(
    authority,
    statement({
      $case: "categoryPublished",
      value: { categoryId: CATEGORY, name: "Consumer network cameras", description: "" },
    }),
  );
  await submitAs(
    authority,
    statement({
      $case: "issuerAccredited",
      value: {
        issuerId: "CCRC",
        name: "China Cybersecurity Review Certification",
        publicKey: issuerKey.publicKey,
        scope: [{ categoryId: CATEGORY, maxTier: 3 }],
      },
    }),
  );
  await submitAs(issuerKey, issueAt("CCRC-1", "EV-C200"));
  await submitAs(
    issuerKey,
    statement(
      {
        $case: "labelUpgraded",
        value: {
          tier: Tier.TIER_LEADING,
          testReport: { sha256: new Uint8Array(32).fill(3), uri: "https://lab.example/r2.pdf" },
        },
      },
      { labelId: "CCRC-1", expectedLabelVersion: 1n },
    ),
  );
  await submitAs(issuerKey, issueAt("CCRC-2", "EV-C300"));
  await submitAs(
    issuerKey,
    statement(
      { $case: "labelRevoked", value: { reason: reason("unfixed remote-code-execution vulnerability") } },
      { labelId: "CCRC-2", expectedLabelVersion: 1n },
    ),
  );
}

/**
 * Labels: CCRC-1 active (upgraded to 3 stars), CCRC-2 revoked, CCRC-3 active (kept for
 * tampering), plus `extraLabels` more active ones (CCRC-X0, CCRC-X1, …) for load tests.
 */
export async function openFixture(extraLabels = 0): Promise<Fixture> {
  const memLog = new MemoryLog();
  const metrics = new GatewayMetrics({ processMetrics: false });
  const registry = await Registry.open({
    store: openMemoryStore(memLog),
    logSigner: fixtureLogSigner,
    authorityPublicKey: authority.publicKey,
    now: () => T0,
    batch: { lingerMs: 1 },
    onBatch: metrics.observeBatch,
  });
  const submitAs = async (key: typeof authority, s: Statement) =>
    (await registry.submit(signStatement(key, { ...s, logOrigin: registry.origin }))).index;
  await seedLabels(registry);
  await submitAs(issuerKey, issue("CCRC-3", "EV-TAMPER"));
  await Promise.all(
    Array.from({ length: extraLabels }, (_, i) => submitAs(issuerKey, issue(`CCRC-X${i}`, `EV-X${i}`))),
  );
  const gw = await startRegistryGateway(registry, {
    address: "127.0.0.1:0",
    metrics,
    logger: silentLogger,
    publicBaseUrl: "https://labels.example.test",
    now: () => FIXTURE_NOW,
  });
  return {
    registry,
    memLog,
    gw,
    metrics,
    submit: (s) => submitAs(issuerKey, s),
    async close() {
      await gw.close();
      await registry.close();
    },
  };
}
