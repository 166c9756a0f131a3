// Test and benchmark support: a registry with a small realistic history, at the fixed clock of
// test/domain-testkit.ts, over any store.
import { ed25519NoteSigner } from "../log/note-keys.js";
import type { Statement } from "../proto/gen/messages/labelreg/v1/statement.js";
import {
  CATEGORY,
  T0,
  labelIssued,
  reason,
  signStatement,
  statement,
  testKey,
  type TestKey,
} from "./domain-testkit.js";
import { Registry } from "../services/registry.js";
import { openMemoryStore } from "../services/store/memory.js";
import type { LogStore } from "../services/store/port.js";

export const fixtureAuthority = testKey(1);
export const fixtureIssuer = testKey(2);
export const fixtureIssuer2 = testKey(3);
export const fixtureLogSeed = new Uint8Array(32).fill(9);
export const FIXTURE_ORIGIN = "registry.test/log";
export const fixtureLogSigner = ed25519NoteSigner(FIXTURE_ORIGIN, fixtureLogSeed);

export async function openFixtureRegistry(
  store: LogStore = openMemoryStore(),
  now: () => bigint = () => T0,
): Promise<Registry> {
  return Registry.open({
    store,
    logSigner: fixtureLogSigner,
    authorityPublicKey: fixtureAuthority.publicKey,
    now,
    batch: { lingerMs: 1 },
  });
}

export function submitAs(r: Registry, key: TestKey, s: Statement) {
  return r.submit(signStatement(key, s));
}

export const issueStatement = (labelId: string, model: string, tier = 2) =>
  statement({ $case: "labelIssued", value: labelIssued({ productModel: model, tier }) }, { labelId });

/**
 * A catalogue category, two accredited issuers (CCRC and ABC, ABC limited to tier 1), and
 * `labels` labels by CCRC, every third one revoked by the authority afterwards.
 */
export async function populate(r: Registry, labels = 6): Promise<void> {
  await submitAs(
    r,
    fixtureAuthority,
    statement({ $case: "categoryPublished", value: { categoryId: CATEGORY, name: "Cameras", description: "" } }),
  );
  await submitAs(
    r,
    fixtureAuthority,
    statement({
      $case: "issuerAccredited",
      value: {
        issuerId: "CCRC",
        name: "CCRC",
        publicKey: fixtureIssuer.publicKey,
        scope: [{ categoryId: CATEGORY, maxTier: 3 }],
      },
    }),
  );
  await submitAs(
    r,
    fixtureAuthority,
    statement({
      $case: "issuerAccredited",
      value: {
        issuerId: "ABC",
        name: "ABC",
        publicKey: fixtureIssuer2.publicKey,
        scope: [{ categoryId: CATEGORY, maxTier: 1 }],
      },
    }),
  );
  for (let i = 0; i < labels; i++) await submitAs(r, fixtureIssuer, issueStatement(`CCRC-${i}`, `EV-${i}`));
  for (let i = 0; i < labels; i += 3) {
    await submitAs(
      r,
      fixtureAuthority,
      statement(
        { $case: "labelRevoked", value: { reason: reason() } },
        { labelId: `CCRC-${i}`, expectedLabelVersion: 1n },
      ),
    );
  }
}

export { T0 };
