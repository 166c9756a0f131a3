import { describe, expect, it, beforeAll } from "vitest";
import { COMPLETE_BUNDLE_DOES_NOT_PROVE } from "./verdict.js";
import { toReceipt } from "../grpc/issuance.js";
import { proveConsistency } from "../../log/prove.js";
import { DAY, T0 } from "../../test/domain-testkit.js";
import { buildFixture, LABELS, trust, type Fixture } from "../../test/verification-fixture.js";
import { verifyLabelBundle } from "./bundle.js";
import { verifyReceipt } from "./receipt.js";
import { memoizedTrust } from "./memo.js";
import { resolveTrust } from "./trust.js";
import { CompactBundles } from "./compact.js";
import { BulkVerification } from "../reads/bulk.js";
import { testKey, signStatement, statement } from "../../test/domain-testkit.js";

let fx: Fixture;
beforeAll(async () => {
  fx = await buildFixture();
});

const now = T0 + 10n;

describe("verifier on real registry data", () => {
  it.each([
    [LABELS.valid, now, "valid"],
    [LABELS.revoked, now, "revoked"],
    [LABELS.suspended, now, "suspended"],
    [LABELS.shortLived, T0 + 2n * DAY, "expired"],
    [LABELS.notYetValid, now, "not-yet-valid"],
    [LABELS.rotated, now, "valid"],
  ])("%s reads %s", async (id, at, want) => {
    const { label, bundle } = await fx.reads.getLabel(id);
    const v = verifyLabelBundle(bundle!, trust, { nowUnix: at, expectedLabelId: id });
    expect(v.status, JSON.stringify(v.reasons)).toBe(want);
    expect(v.valid).toBe(want === "valid");
    expect(v.asOf?.size).toBe(fx.registry.view.size);
    // The state map proves the history complete: only entries after the checkpoint stay unproven.
    expect(v.completeAsOf?.index).toBe(fx.registry.view.size - 1);
    expect(v.doesNotProve).toEqual(COMPLETE_BUNDLE_DOES_NOT_PROVE);
    expect(v.label?.version).toBe(Number(label!.version));
    expect(v.label?.history.map((h) => h.index)).toEqual(label!.history.map((h) => Number(h.index)));
    if (want !== "valid") expect(v.reasons[0]?.code).toBe(want);
  });

  it("follows the key chain through a rotation (context holds accreditation, rotation, catalogue)", async () => {
    const { bundle } = await fx.reads.getLabel(LABELS.rotated);
    const kinds = bundle!.contextEntries.map((p) => p.index);
    expect(kinds.length).toBe(4); // 2 categories, accreditation, rotation
    expect(verifyLabelBundle(bundle!, trust, { nowUnix: now }).label?.tier).toBe(2);
  });

  it("refuses a bundle without the key chain, a wrong label, and another log's key", async () => {
    const { bundle } = await fx.reads.getLabel(LABELS.valid);
    expect(verifyLabelBundle({ ...bundle!, contextEntries: [] }, trust, { nowUnix: now }).reasons[0]?.code).toBe(
      "unknown-key",
    );
    expect(verifyLabelBundle(bundle!, trust, { nowUnix: now, expectedLabelId: LABELS.revoked }).reasons[0]?.code).toBe(
      "wrong-label",
    );
    const other = testKey(40);
    const v = verifyLabelBundle(bundle!, { ...trust, authorityPublicKey: other.publicKey }, { nowUnix: now });
    expect(v.status).toBe("not-verifiable");
  });

  it("freshness: a newer checkpoint with a consistency proof, and a bad proof", async () => {
    const { bundle } = await fx.reads.getLabel(LABELS.valid);
    const oldSize = fx.registry.view.size;
    fx.clock = now;
    await fx.registry.submit(
      signStatement(
        testKey(1),
        statement(
          { $case: "categoryPublished", value: { categoryId: "smart-lock", name: "Smart locks", description: "" } },
          { signedAtUnix: now },
        ),
      ),
    );
    const snap = fx.reads.snapshot();
    const proof = await proveConsistency(fx.registry.view.hashReader(snap.tree), oldSize, snap.size);
    const ok = verifyLabelBundle(bundle!, trust, {
      nowUnix: now,
      fresher: { checkpoint: snap.checkpoint, consistencyProof: proof },
    });
    expect(ok.status).toBe("valid");
    expect(ok.consistentWith?.size).toBe(snap.size);
    const bad = proof.map((h, i) => (i === 0 ? h.map((b) => b ^ 1) : h));
    expect(
      verifyLabelBundle(bundle!, trust, {
        nowUnix: now,
        fresher: { checkpoint: snap.checkpoint, consistencyProof: bad },
      }).reasons[0]?.code,
    ).toBe("fresher-inconsistent");
  });

  it("compact bulk answers expand to bundles that verify, sharing one checkpoint", async () => {
    const bulk = new BulkVerification(fx.reads, true);
    const c = new CompactBundles();
    const verdicts = [];
    let contexts = 0;
    for await (const m of bulk.answer([LABELS.valid, LABELS.rotated, "CCRC-404", LABELS.revoked])) {
      if (m.message?.$case === "context") contexts++;
      const r = c.accept(m);
      if (r?.result?.$case === "label")
        verdicts.push(verifyLabelBundle(c.expand(r.result.value.bundle!), trust, { nowUnix: now }).status);
      if (r?.result?.$case === "error") verdicts.push(r.result.value.rule);
    }
    expect(verdicts).toEqual(["valid", "valid", "label-not-found", "revoked"]);
    expect(contexts).toBe(1); // one issuer: its context goes out once per call
  });

  it("memoized trust: same verdicts, each signature checked once, a changed message still refused", async () => {
    let calls = 0;
    const base = resolveTrust(trust);
    const counting = {
      ...base,
      domain: {
        ...base.domain,
        verify: (k: Uint8Array, m: Uint8Array, s: Uint8Array) => (calls++, base.domain.verify(k, m, s)),
      },
    };
    const warm = memoizedTrust(counting);
    const { bundle } = await fx.reads.getLabel(LABELS.valid);
    expect(verifyLabelBundle(bundle!, warm, { nowUnix: now }).status).toBe("valid");
    const first = calls;
    expect(verifyLabelBundle(bundle!, warm, { nowUnix: now }).status).toBe("valid");
    expect(calls).toBe(first);
    const e = bundle!.entries[0]!;
    const flipped = Uint8Array.from(e.entry);
    flipped[flipped.length - 70] = flipped[flipped.length - 70]! ^ 1; // inside the statement: the signature no longer matches
    expect(warm.domain.verify(trust.authorityPublicKey, flipped, flipped.subarray(0, 64))).toBe(false);
    expect(verifyLabelBundle({ ...bundle!, entries: [{ ...e, entry: flipped }] }, warm, { nowUnix: now }).status).toBe(
      "not-verifiable",
    );
  });

  it("receipts from the write path verify", async () => {
    fx.clock = now;
    const rc = await fx.registry.submit(
      signStatement(
        testKey(1),
        statement(
          { $case: "categoryPublished", value: { categoryId: "smart-tv", name: "Smart TVs", description: "" } },
          { signedAtUnix: now },
        ),
      ),
    );
    const v = verifyReceipt(toReceipt(rc), trust);
    expect(v.ok && v.signature).toBe("authority");
    // The receipt proves the new state: the category as the map holds it at the batch's commitment.
    expect(v.ok && v.state?.value.kind?.$case === "category" && v.state.value.kind.value.categoryId).toBe("smart-tv");
    expect(v.ok && v.state?.commitment.size).toBe(rc.treeSize - 1);
    const noMap = { commitmentEntry: new Uint8Array(0), commitmentInclusionProof: [], mapProof: new Uint8Array(0) };
    const { bundle } = await fx.reads.getLabel(LABELS.valid);
    const e = bundle!.entries[0]!;
    const withChain = verifyReceipt(
      { entry: e.entry, index: e.index, inclusionProof: e.inclusionProof, checkpoint: bundle!.checkpoint, ...noMap },
      trust,
      bundle!.contextEntries,
    );
    expect(withChain.ok && withChain.signature).toBe("context");
    const tampered = verifyReceipt(
      {
        entry: e.entry,
        index: e.index + 1n,
        inclusionProof: e.inclusionProof,
        checkpoint: bundle!.checkpoint,
        ...noMap,
      },
      trust,
    );
    expect(tampered.ok).toBe(false);
  });
});
