// BundleEncoder against the generated encoder: the same bytes for generated bundles (any field
// empty or not, long and multi-byte strings, big indices) and for real GetLabel and VerifyLabels
// answers, whether entries are encoded for the first time or come from its cache.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  GetLabelResponse,
  LabelBundle,
  VerifyLabelsResponse,
  type ProvenEntry,
} from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { buildFixture, LABELS } from "../../test/verification-fixture.js";
import { BulkVerification } from "./bulk.js";
import { BundleEncoder } from "./wire.js";

const bytes = (max: number) => fc.uint8Array({ maxLength: max });
const index = fc.oneof(
  fc.bigInt({ min: 0n, max: 300n }),
  fc.bigInt({ min: 0n, max: (1n << 53n) - 1n }),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
);
const provenEntry: fc.Arbitrary<ProvenEntry> = fc.record({
  index,
  entry: bytes(600),
  inclusionProof: fc.array(bytes(40), { maxLength: 25 }),
});
const text = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: "grapheme-ascii", minLength: 250, maxLength: 300 }),
  fc.constant("é€𝄞".repeat(70)),
);
const bundle: fc.Arbitrary<LabelBundle> = fc.record({
  labelId: text,
  checkpoint: text,
  entries: fc.array(provenEntry, { maxLength: 4 }),
  contextEntries: fc.array(provenEntry, { maxLength: 4 }),
  contextIndices: fc.array(index, { maxLength: 6 }),
  commitment: fc.option(provenEntry, { nil: undefined }),
  mapProof: bytes(300),
});

describe("BundleEncoder", () => {
  it("encodes any bundle as the generated encoder does, first time and from its cache", () => {
    const enc = new BundleEncoder();
    fc.assert(
      fc.property(bundle, (b) => {
        const want = LabelBundle.encode(b).finish();
        expect(enc.bundle(b)).toEqual(want);
        expect(enc.bundle(b)).toEqual(want);
        expect(enc.getLabelResponse({ label: undefined, bundle: b })).toEqual(
          GetLabelResponse.encode({ label: undefined, bundle: b }).finish(),
        );
      }),
      { numRuns: 100 },
    );
  });

  it("encodes real GetLabel and VerifyLabels answers as the generated encoder does", async () => {
    const fx = await buildFixture();
    const enc = new BundleEncoder();
    for (const id of Object.values(LABELS)) {
      const r = await fx.reads.getLabel(id);
      expect(enc.getLabelResponse(r)).toEqual(GetLabelResponse.encode(r).finish());
    }
    for (const compact of [false, true]) {
      const bulk = new BulkVerification(fx.reads, compact);
      for await (const m of bulk.answer([...Object.values(LABELS), "CCRC-999999", "bad id"])) {
        expect(enc.verifyLabelsResponse(m)).toEqual(VerifyLabelsResponse.encode(m).finish());
      }
    }
  });
});
