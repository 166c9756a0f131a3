import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LabelStatus } from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { buildFixture, LABELS, rotatedKey, trust } from "../../test/verification-fixture.js";
import { reason, signStatement, statement, T0 } from "../../test/domain-testkit.js";
import { RegistryError } from "../sequencer/errors.js";
import { verifyLabelBundle } from "../verify/bundle.js";
import { watchFilter } from "./watch.js";

describe("reads at a pinned snapshot", () => {
  it("a label changed after the snapshot is reported as it was, with a bundle at that checkpoint", async () => {
    const fx = await buildFixture();
    const old = fx.reads.snapshot();
    fx.clock = T0 + 20n;
    const version = fx.registry.view.state.labels.get(LABELS.valid)!.version;
    await fx.registry.submit(
      signStatement(
        rotatedKey,
        statement(
          { $case: "labelRevoked", value: { reason: reason() } },
          { labelId: LABELS.valid, expectedLabelVersion: version, signedAtUnix: fx.clock },
        ),
      ),
    );
    const then = await fx.reads.getLabel(LABELS.valid, old);
    expect(then.label!.status).toBe(LabelStatus.LABEL_STATUS_ACTIVE);
    expect(then.label!.history.length).toBe(1);
    expect(then.bundle!.checkpoint).toBe(old.checkpoint);
    expect(verifyLabelBundle(then.bundle!, trust, { nowUnix: fx.clock }).status).toBe("valid");
    const nowRes = await fx.reads.getLabel(LABELS.valid);
    expect(nowRes.label!.status).toBe(LabelStatus.LABEL_STATUS_REVOKED);
    expect(verifyLabelBundle(nowRes.bundle!, trust, { nowUnix: fx.clock }).status).toBe("revoked");
  });

  it("product lookup and issuer reads", async () => {
    const fx = await buildFixture();
    const p = await fx.reads.lookupProduct("91330100MA2AXXXX1X", `m-${LABELS.revoked}`.toLowerCase());
    expect(p.labels.map((l) => l.labelId)).toEqual([LABELS.revoked]);
    expect(p.liveLabelId).toBe("");
    const iss = await fx.reads.getIssuer("CCRC");
    expect(iss.issuer!.keys.map((k) => k.untilIndex > 0n)).toEqual([true, false]);
    expect(iss.issuer!.history.map((h) => h.kind)).toEqual(["issuerAccredited", "issuerKeyRotated"]);
    expect(fx.reads.listCatalogue().categories.map((c) => c.categoryId)).toEqual([
      "consumer-network-camera",
      "home-router",
    ]);
  });
});

describe("watch filters", () => {
  it("any request is accepted or refused with INVALID_ARGUMENT, never anything else", () => {
    const id = fc.oneof(fc.string(), fc.constantFrom("CCRC-1", "CCRC", "consumer-network-camera"));
    fc.assert(
      fc.property(
        fc.record({
          fromIndex: fc.bigInt({ min: 0n, max: 1n << 64n }),
          labelIds: fc.array(id, { maxLength: 5 }),
          issuerIds: fc.array(id, { maxLength: 5 }),
          categoryIds: fc.array(id, { maxLength: 5 }),
          manufacturerCodes: fc.array(fc.oneof(id, fc.constant("91330100MACCRC")), { maxLength: 5 }),
          eventKinds: fc.array(fc.integer({ min: -3, max: 12 }), { maxLength: 20 }),
        }),
        (req) => {
          try {
            watchFilter(req);
          } catch (e) {
            expect(e).toBeInstanceOf(RegistryError);
            expect((e as RegistryError).code).toBe("INVALID_ARGUMENT");
          }
        },
      ),
    );
  });
});
