// Point-in-time answers over real bundles of the verification fixture (issued at T0, a suspension
// and a revocation at T0 + 1, an upgrade to 3 stars and a downgrade to 2 at T0 + 2).
import { beforeAll, describe, expect, it } from "vitest";
import type { LabelBundle } from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { T0 } from "../../test/domain-testkit.js";
import { buildFixture, LABELS, trust, type Fixture } from "../../test/verification-fixture.js";
import { labelAt } from "./point-in-time.js";

let fx: Fixture;
beforeAll(async () => {
  fx = await buildFixture();
});
const bundleOf = async (id: string): Promise<LabelBundle> => (await fx.reads.getLabel(id)).bundle!;
const now = T0 + 10n;

describe("labelAt", () => {
  it("valid before the suspension, suspended from its sequencing time on", async () => {
    const b = await bundleOf(LABELS.suspended);
    const before = labelAt(b, trust, { atUnix: T0, nowUnix: now });
    expect(before).toMatchObject({ answer: "yes", complete: true, reasons: [] });
    expect(before.stateAt).toMatchObject({ status: "valid", tier: 2, version: 1, lastEntry: { kind: "labelIssued" } });
    const after = labelAt(b, trust, { atUnix: T0 + 1n, nowUnix: now });
    expect(after.answer).toBe("no");
    expect(after.stateAt).toMatchObject({ status: "suspended", version: 2, lastEntry: { kind: "labelSuspended" } });
    expect(after.reasons[0]!.code).toBe("suspended");
  });

  it("before issuance the label did not exist: no, and says when it was issued", async () => {
    const r = labelAt(await bundleOf(LABELS.valid), trust, { atUnix: T0 - 1n, nowUnix: now });
    expect(r.answer).toBe("no");
    expect(r.stateAt).toMatchObject({ status: "not-issued", version: 0 });
    expect(r.reasons[0]!.message).toMatch(/did not exist yet .*issued at/);
  });

  it("after a revocation: no, revoked, even before the validity ends", async () => {
    const r = labelAt(await bundleOf(LABELS.revoked), trust, { atUnix: T0 + 5n, nowUnix: now });
    expect(r).toMatchObject({ answer: "no", stateAt: { status: "revoked" } });
  });

  it("--min-tier: the tier as it was then (1 star, later 3, then 2)", async () => {
    const b = await bundleOf(LABELS.rotated);
    expect(labelAt(b, trust, { atUnix: T0, minTier: 2, nowUnix: now })).toMatchObject({
      answer: "no",
      stateAt: { tier: 1, status: "valid" },
      reasons: [{ code: "tier-below" }],
    });
    expect(labelAt(b, trust, { atUnix: T0, minTier: 1, nowUnix: now }).answer).toBe("yes");
    const later = labelAt(b, trust, { atUnix: T0 + 2n, minTier: 2, nowUnix: now });
    expect(later).toMatchObject({ answer: "yes", stateAt: { tier: 2, version: 6 } });
    expect(labelAt(b, trust, { atUnix: T0 + 2n, minTier: 3, nowUnix: now }).answer).toBe("no");
  });

  it("a time after the checkpoint is answered as of the checkpoint, and says so", async () => {
    const r = labelAt(await bundleOf(LABELS.valid), trust, { atUnix: T0 + 100n * 86_400n, nowUnix: now });
    expect(r).toMatchObject({ answer: "yes", afterCheckpoint: true });
    expect(labelAt(await bundleOf(LABELS.valid), trust, { atUnix: T0, nowUnix: now }).afterCheckpoint).toBe(false);
  });

  it("expiry is evaluated at the time asked about", async () => {
    const r = labelAt(await bundleOf(LABELS.shortLived), trust, { atUnix: T0 + 2n * 86_400n, nowUnix: now });
    expect(r).toMatchObject({ answer: "no", stateAt: { status: "expired" } });
  });

  it("an incomplete bundle is refused unless allowed, and then says it is not complete", async () => {
    const b = await bundleOf(LABELS.suspended);
    const hiding = { ...b, entries: b.entries.slice(0, -1), commitment: undefined, mapProof: new Uint8Array(0) };
    const refused = labelAt(hiding, trust, { atUnix: T0 + 5n, nowUnix: now });
    expect(refused).toMatchObject({ answer: "unverifiable", stateAt: undefined });
    expect(refused.reasons[0]!.code).toBe("no-map-commitment");
    const allowed = labelAt(hiding, trust, { atUnix: T0 + 5n, nowUnix: now, allowIncomplete: true });
    // The hidden suspension makes it look valid: exactly why this needs an explicit opt-in.
    expect(allowed).toMatchObject({ answer: "yes", complete: false });
    expect(allowed.verdict.doesNotProve.length).toBe(2);
  });

  it("a bundle with history left out (map proof kept) is unverifiable, never answered", async () => {
    const b = await bundleOf(LABELS.suspended);
    const r = labelAt({ ...b, entries: b.entries.slice(0, -1) }, trust, { atUnix: T0 + 5n, nowUnix: now });
    expect(r.answer).toBe("unverifiable");
    expect(r.reasons[0]!.code).toBe("incomplete-history");
  });
});
