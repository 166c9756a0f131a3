// Label snapshots from verified bundles (the standalone gateway's label pages), over the reads of
// an in-memory registry: the same record the registry projects, log indices in its history,
// reused while the checkpoint stands, refreshed when it moves, refused under the wrong keys.

import { beforeAll, describe, expect, it } from "vitest";
import { reason, signStatement, statement, testKey } from "../../test/domain-testkit.js";
import { resolveTrust } from "../../services/verify/trust.js";
import { buildFixture, LABELS, logSigner, rotatedKey, trust, type Fixture } from "../../test/verification-fixture.js";
import { BadBundleError, bundleLabelSource } from "./bundle-label-source.js";

let fx: Fixture;
beforeAll(async () => {
  fx = await buildFixture();
});

describe("bundleLabelSource", () => {
  it("gives the record the registry projects, with log indices, at the bundle's checkpoint", async () => {
    const source = bundleLabelSource(fx.reads, resolveTrust(trust));
    for (const id of Object.values(LABELS)) {
      const snap = await source.label(id);
      const projected = fx.registry.view.state.labels.get(id)!;
      expect(snap, id).toBeDefined();
      expect(snap!.size).toBe(fx.registry.view.size);
      expect({ ...snap!.record, history: snap!.record.history.map((h) => [h.index, h.kind]) }).toEqual({
        ...projected,
        history: projected.history.map((h) => [h.index, h.kind]),
      });
      expect(snap!.state.categories.get(projected.categoryId)?.name).toBe(
        fx.registry.view.state.categories.get(projected.categoryId)?.name,
      );
    }
    expect(await source.label("CCRC-404")).toBeUndefined();
  });

  it("reuses a snapshot while the checkpoint stands and reads anew when it moves", async () => {
    const source = bundleLabelSource(fx.reads, resolveTrust(trust));
    const a = await source.label(LABELS.rotated);
    expect(await source.label(LABELS.rotated)).toBe(a);
    const version = fx.registry.view.state.labels.get(LABELS.rotated)!.version;
    await fx.registry.submit(
      signStatement(
        rotatedKey,
        statement(
          { $case: "labelRevoked", value: { reason: reason() } },
          { labelId: LABELS.rotated, expectedLabelVersion: version, signedAtUnix: fx.clock },
        ),
      ),
    );
    const b = await source.label(LABELS.rotated);
    expect(b).not.toBe(a);
    expect(b!.record.history.at(-1)?.kind).toBe("labelRevoked");
    expect(b!.size).toBe(fx.registry.view.size);
  });

  it("refuses a bundle that does not verify under its keys", async () => {
    const wrong = bundleLabelSource(
      fx.reads,
      resolveTrust({ logKey: logSigner.verifierKey, authorityPublicKey: testKey(9).publicKey }),
    );
    await expect(wrong.label(LABELS.valid)).rejects.toBeInstanceOf(BadBundleError);
  });
});
