// Completeness end to end: issue -> suspend on a real registry; a read API that leaves out the
// suspension (a test double wrapping the real one) is caught with a precise verdict, and so is any
// tampering with the map proof or the commitment entry.
import { beforeAll, describe, expect, it } from "vitest";
import { LabelBundle, type GetLabelResponse } from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { verifyLabelAbsence } from "./completeness.js";
import { T0 } from "../../test/domain-testkit.js";
import { buildFixture, LABELS, trust, type Fixture } from "../../test/verification-fixture.js";
import { verifyLabelBundle } from "./bundle.js";
import { COMPLETE_BUNDLE_DOES_NOT_PROVE } from "./verdict.js";

let fx: Fixture;
beforeAll(async () => {
  fx = await buildFixture();
});
const now = T0 + 10n;

/** The read API a platform talks to; the double forwards to the real one and may rewrite the answer. */
type ReadApi = { getLabel(id: string): Promise<GetLabelResponse> };
const doubleOf = (real: ReadApi, rewrite: (b: LabelBundle) => LabelBundle): ReadApi => ({
  async getLabel(id) {
    const r = await real.getLabel(id);
    return { ...r, bundle: rewrite(structuredClone(r.bundle!)) };
  },
});
const verdictFrom = async (api: ReadApi) =>
  verifyLabelBundle((await api.getLabel(LABELS.suspended)).bundle!, trust, {
    nowUnix: now,
    expectedLabelId: LABELS.suspended,
  });

describe("completeness of a label bundle", () => {
  it("the honest answer proves the suspension current and the history complete as of the checkpoint", async () => {
    const v = await verdictFrom(fx.reads);
    expect(v.status).toBe("suspended");
    expect(v.completeAsOf).toMatchObject({ index: fx.registry.view.size - 1 });
    expect(v.completeAsOf!.sequencedAtUnix).toBeGreaterThan(0);
    expect(v.doesNotProve).toEqual(COMPLETE_BUNDLE_DOES_NOT_PROVE);
  });

  it("a server that leaves out the suspension is caught: the map says the label has one more entry", async () => {
    const hiding = doubleOf(fx.reads, (b) => ({ ...b, entries: b.entries.slice(0, -1) }));
    const v = await verdictFrom(hiding);
    expect(v.status).toBe("not-verifiable");
    expect(v.reasons[0]!.code).toBe("incomplete-history");
    expect(v.reasons[0]!.message).toMatch(/says label CCRC-3 has 2 entries.*the bundle holds 1/);
  });

  it("a server that also strips the map proof and commitment is caught: a complete answer is required", async () => {
    const stripping = doubleOf(fx.reads, (b) => ({
      ...b,
      entries: b.entries.slice(0, -1),
      commitment: undefined,
      mapProof: new Uint8Array(0),
    }));
    const v = await verdictFrom(stripping);
    expect(v.status).toBe("not-verifiable");
    expect(v.reasons[0]!.code).toBe("no-map-commitment");
  });

  it("a tampered map proof or value is caught", async () => {
    for (const at of [2, 40, -1]) {
      const v = await verdictFrom(
        doubleOf(fx.reads, (b) => {
          const p = Uint8Array.from(b.mapProof);
          p[at < 0 ? p.length + at : at]! ^= 1;
          return { ...b, mapProof: p };
        }),
      );
      expect(v.status, `byte ${at}`).toBe("not-verifiable");
      expect(["map-proof", "map-value-differs", "incomplete-history"]).toContain(v.reasons[0]!.code);
    }
  });

  it("a tampered commitment entry, or one that is not the checkpoint's last, is caught", async () => {
    const flipped = await verdictFrom(
      doubleOf(fx.reads, (b) => {
        const e = Uint8Array.from(b.commitment!.entry);
        e[5]! ^= 1; // inside the root
        return { ...b, commitment: { ...b.commitment!, entry: e } };
      }),
    );
    expect(flipped.reasons[0]!.code).toBe("map-commitment");
    const earlier = await verdictFrom(
      doubleOf(fx.reads, (b) => ({ ...b, commitment: { ...b.commitment!, index: b.commitment!.index - 2n } })),
    );
    expect(earlier.reasons[0]!.code).toBe("map-commitment");
  });
});

describe("proof that a label does not exist", () => {
  async function absenceOf(id: string): Promise<LabelBundle> {
    const e = await fx.reads.getLabel(id).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toMatchObject({ code: "NOT_FOUND", rule: "label-not-found" });
    const bytes = (e as { absence?: Uint8Array }).absence;
    expect(bytes).toBeDefined();
    return LabelBundle.decode(bytes!);
  }

  it("an unknown label id answers NOT_FOUND with a proof of absence that verifies", async () => {
    const v = verifyLabelAbsence(await absenceOf("CCRC-999"), trust);
    expect(v).toMatchObject({ labelId: "CCRC-999", absent: true, reasons: [] });
    expect(v.completeAsOf?.index).toBe(fx.registry.view.size - 1);
  });

  it("an absence proof does not stand for another id, nor a tampered one, nor a present label's proof", async () => {
    const b = await absenceOf("CCRC-999");
    expect(verifyLabelAbsence({ ...b, labelId: LABELS.valid }, trust).absent).toBe(false);
    const p = Uint8Array.from(b.mapProof);
    p[p.length - 1]! ^= 1;
    expect(verifyLabelAbsence({ ...b, mapProof: p }, trust).absent).toBe(false);
    const present = (await fx.reads.getLabel(LABELS.valid)).bundle!;
    const v = verifyLabelAbsence({ ...present, entries: [] }, trust);
    expect(v).toMatchObject({ absent: false, reasons: [{ code: "label-exists" }] });
  });
});
