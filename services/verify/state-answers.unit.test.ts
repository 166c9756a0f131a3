// The product, manufacturer, issuer and absence answers against a real registry (in-memory
// store, real write path): honest answers verify; a read API double that leaves out a product's
// label, a manufacturer's product or an issuer's latest entry is caught with a precise verdict,
// and so is any tampering with the map proof, the commitment entry or the value; arbitrary damage
// to an answer's bytes never throws and never verifies.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  type GetIssuerResponse,
  LabelStatus,
  type LabelState,
  ListManufacturerProductsResponse,
  LookupProductResponse,
  MapAbsence,
  type ProvenEntry,
} from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { MapProof } from "../../proto/gen/messages/labelreg/v1/map.js";
import { signStatement, statement, labelIssued } from "../../test/domain-testkit.js";
import { buildFixture, LABELS, rotatedKey, trust, type Fixture } from "../../test/verification-fixture.js";
import { listManufacturerProducts } from "../reads/manufacturer.js";
import { RegistryError } from "../sequencer/errors.js";
import {
  productMapId,
  STATE_DOES_NOT_PROVE,
  verifyIssuerAnswer,
  verifyManufacturerPage,
  verifyMapAbsence,
  verifyProductAnswer,
} from "./state-answers.js";

const CODE = "91330100MA2AXXXX1X";
/** The product of the revoked label, issued a second label: two labels, the second live. */
const REISSUED = `M-${LABELS.revoked}`;
const REISSUED_LABEL = "CCRC-7";

let fx: Fixture;
beforeAll(async () => {
  fx = await buildFixture();
  await fx.registry.submit(
    signStatement(
      rotatedKey,
      statement(
        { $case: "labelIssued", value: labelIssued({ productModel: REISSUED.toLowerCase() }) },
        { labelId: REISSUED_LABEL, signedAtUnix: fx.clock },
      ),
    ),
  );
});

const flip = (b: Uint8Array, i: number) => Uint8Array.from(b, (x, j) => (j === i % b.length ? x ^ 1 : x));
const flipEntry = (p: ProvenEntry | undefined, i: number): ProvenEntry => ({ ...p!, entry: flip(p!.entry, i) });
/** The NOT_FOUND of `read`, and its proof of absence. */
async function absence(read: Promise<unknown>): Promise<{ e: RegistryError; absence: MapAbsence }> {
  const e = await read.then(
    () => {
      throw new Error("expected NOT_FOUND");
    },
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(RegistryError);
  const r = e as RegistryError;
  expect(r.code).toBe("NOT_FOUND");
  expect(r.mapAbsence).toBeDefined();
  return { e: r, absence: MapAbsence.decode(r.mapAbsence!) };
}

describe("product answers", () => {
  const ask = { registrationCode: CODE, productModel: REISSUED };

  it("an honest answer proves the product's labels and its live label as of the checkpoint", async () => {
    const res = await fx.reads.lookupProduct(CODE, REISSUED.toLowerCase());
    const v = verifyProductAnswer(res, { ...ask, productModel: REISSUED.toLowerCase() }, trust);
    expect(v.reasons).toEqual([]);
    expect(v.verified).toBe(true);
    expect(v.product).toMatchObject({
      registrationCode: CODE,
      model: REISSUED,
      labelIds: [LABELS.revoked, REISSUED_LABEL],
      liveLabelId: REISSUED_LABEL,
    });
    expect(v.completeAsOf?.index).toBe(fx.registry.view.size - 1);
    expect(v.doesNotProve).toContain(STATE_DOES_NOT_PROVE[0]);
    expect(v.labels.map((l) => [l.labelId, l.state, l.version])).toEqual([
      [LABELS.revoked, "REVOKED", 2],
      [REISSUED_LABEL, "ACTIVE", 1],
    ]);
  });

  it("each label's reported state is proven: a changed tier, status or history length is refused", async () => {
    const res = await fx.reads.lookupProduct(CODE, REISSUED);
    const relabel = (k: number, f: (l: LabelState) => LabelState) => ({
      ...res,
      labels: res.labels.map((l, i) => (i === k ? f(l) : l)),
    });
    const cases: [string, LookupProductResponse, string][] = [
      ["tier", relabel(1, (l) => ({ ...l, tier: 3 })), "label-state-differs"],
      ["status", relabel(0, (l) => ({ ...l, status: LabelStatus.LABEL_STATUS_ACTIVE })), "label-state-differs"],
      ["history", relabel(0, (l) => ({ ...l, history: l.history.slice(0, 1) })), "label-state-differs"],
      ["label proofs swapped", { ...res, labelMapProofs: [...res.labelMapProofs].reverse() }, "map-proof"],
      ["a label proof missing", { ...res, labelMapProofs: res.labelMapProofs.slice(1) }, "map-proof"],
    ];
    for (const [what, r, code] of cases) {
      const v = verifyProductAnswer(r, ask, trust);
      expect(v.verified, what).toBe(false);
      expect(v.reasons[0]!.code, what).toBe(code);
    }
  });

  it("a server that leaves out one of the product's labels is caught, naming it", async () => {
    const res = await fx.reads.lookupProduct(CODE, REISSUED);
    const v = verifyProductAnswer({ ...res, labels: res.labels.slice(1) }, ask, trust);
    expect(v.verified).toBe(false);
    expect(v.reasons[0]!.code).toBe("incomplete-product");
    expect(v.reasons[0]!.message).toMatch(/left out CCRC-2/);
    expect(v.product).toBeUndefined();
  });

  it("a wrong live label, a tampered map proof, commitment or value are each refused precisely", async () => {
    const res = await fx.reads.lookupProduct(CODE, REISSUED);
    const cases: [string, LookupProductResponse, string][] = [
      ["live label", { ...res, liveLabelId: LABELS.revoked }, "live-label-differs"],
      ["no live label", { ...res, liveLabelId: "" }, "live-label-differs"],
      ["map proof byte", { ...res, mapProof: flip(res.mapProof, 40) }, "map-proof"],
      ["commitment entry", { ...res, commitment: flipEntry(res.commitment, 3) }, "map-commitment"],
      ["no commitment", { ...res, commitment: undefined }, "no-map-commitment"],
      [
        "another product's proof",
        { ...res, mapProof: (await fx.reads.lookupProduct(CODE, "M-CCRC-1")).mapProof },
        "map-proof",
      ],
    ];
    // The value itself: the product's label list rewritten inside the proof (its hash no longer matches).
    const p = MapProof.decode(res.mapProof);
    if (p.terminal?.$case === "value") {
      const value = flip(p.terminal.value, p.terminal.value.length - 2);
      cases.push([
        "value",
        { ...res, mapProof: MapProof.encode({ ...p, terminal: { $case: "value", value } }).finish() },
        "map-proof",
      ]);
    }
    expect(cases.length).toBe(7);
    for (const [what, r, code] of cases) {
      const v = verifyProductAnswer(r, ask, trust);
      expect(v.verified, what).toBe(false);
      expect(v.reasons[0]!.code, what).toBe(code);
    }
    // Answered for another product than asked.
    expect(verifyProductAnswer(res, { ...ask, productModel: "M-CCRC-1" }, trust).reasons[0]!.code).toBe("map-proof");
  });

  it("an unknown product is NOT_FOUND with a proof of absence that verifies, and not for a product that exists", async () => {
    const { e, absence: a } = await absence(fx.reads.lookupProduct(CODE, "NO-SUCH-MODEL"));
    expect(e.rule).toBe("product-not-found");
    const id = productMapId(CODE, "no-such-model");
    const v = verifyMapAbsence(a, { kind: "product", id }, trust);
    expect(v.reasons).toEqual([]);
    expect(v.verified).toBe(true);
    expect(v.completeAsOf?.index).toBe(fx.registry.view.size - 1);
    const other = verifyMapAbsence(a, { kind: "product", id: productMapId(CODE, REISSUED) }, trust);
    expect(other.reasons[0]!.code).toBe("wrong-key");
    // A proof for a key that exists, passed off as an absence.
    const present = await fx.reads.lookupProduct(CODE, REISSUED);
    const forged = { ...a, id: productMapId(CODE, REISSUED), mapProof: present.mapProof };
    expect(verifyMapAbsence(forged, { kind: "product", id: forged.id }, trust).reasons[0]!.code).toBe("product-exists");
    expect(verifyMapAbsence({ ...a, mapProof: flip(a.mapProof, 5) }, { kind: "product", id }, trust).verified).toBe(
      false,
    );
  });
});

describe("a manufacturer's products", () => {
  it("an honest page proves every product of the manufacturer, each with its labels", async () => {
    const res = await listManufacturerProducts(fx.reads, CODE, 0, 0);
    const v = verifyManufacturerPage(res, { registrationCode: CODE, offset: 0 }, trust);
    expect(v.reasons).toEqual([]);
    expect(v.productModels).toEqual(Object.values(LABELS).map((id) => `M-${id}`));
    expect(v.products.map((p) => p.labelIds)).toEqual(
      Object.values(LABELS).map((id) => (id === LABELS.revoked ? [id, REISSUED_LABEL] : [id])),
    );
    expect(v.nextOffset).toBe(0);
  });

  it("pages: offset and limit, the next offset, the last page; each page verifies on its own", async () => {
    const seen: string[] = [];
    let offset = 0;
    for (let n = 0; n < 10; n++) {
      const res = await listManufacturerProducts(fx.reads, CODE, offset, 4);
      const v = verifyManufacturerPage(res, { registrationCode: CODE, offset }, trust);
      expect(v.reasons).toEqual([]);
      seen.push(...v.products.map((p) => p.model));
      if (v.nextOffset === 0) break;
      offset = v.nextOffset;
    }
    expect(seen.length).toBe(6);
    expect(offset).toBe(4);
  });

  it("a server that leaves out one product, or ends the list early, is caught", async () => {
    const res = await listManufacturerProducts(fx.reads, CODE, 0, 0);
    const cases: [string, ListManufacturerProductsResponse][] = [
      ["one left out", { ...res, products: res.products.filter((_, i) => i !== 2) }],
      ["last left out, list said to end", { ...res, products: res.products.slice(0, -1) }],
      ["none", { ...res, products: [] }],
      ["reordered", { ...res, products: [...res.products].reverse() }],
      ["more said to follow", { ...res, nextOffset: 6 }],
    ];
    for (const [what, r] of cases) {
      const v = verifyManufacturerPage(r, { registrationCode: CODE, offset: 0 }, trust);
      expect(v.verified, what).toBe(false);
      expect(v.reasons[0]!.code, what).toBe("incomplete-products");
    }
    const v = verifyManufacturerPage(cases[0]![1], { registrationCode: CODE }, trust);
    expect(v.reasons[0]!.message).toMatch(
      /lists 6 products of 91330100MA2AXXXX1X; from position 0 the answer left out M-CCRC-3/,
    );
  });

  it("a tampered product proof, manufacturer proof or commitment, or another page than asked, is refused", async () => {
    const res = await listManufacturerProducts(fx.reads, CODE, 0, 0);
    const products = res.products.map((p, i) => (i === 1 ? { ...p, mapProof: flip(p.mapProof, 50) } : p));
    const swapped = res.products.map((p, i) => (i === 1 ? { ...p, mapProof: res.products[0]!.mapProof } : p));
    const cases: [string, ListManufacturerProductsResponse, string][] = [
      ["product proof", { ...res, products }, "map-proof"],
      ["another product's proof", { ...res, products: swapped }, "map-proof"],
      ["manufacturer proof", { ...res, mapProof: flip(res.mapProof, 45) }, "map-proof"],
      ["commitment", { ...res, commitment: flipEntry(res.commitment, 2) }, "map-commitment"],
      ["checkpoint", { ...res, checkpoint: res.checkpoint.replace(/\n\d+\n/, "\n7\n") }, "checkpoint-signature"],
    ];
    for (const [what, r, code] of cases) {
      const v = verifyManufacturerPage(r, { registrationCode: CODE, offset: 0 }, trust);
      expect(v.verified, what).toBe(false);
      expect(v.reasons[0]!.code, what).toBe(code);
    }
    const later = await listManufacturerProducts(fx.reads, CODE, 2, 2);
    expect(verifyManufacturerPage(later, { registrationCode: CODE, offset: 0 }, trust).reasons[0]!.code).toBe(
      "wrong-page",
    );
  });

  it("refuses a page too large and an offset past the list; an unknown manufacturer has a proof of absence", async () => {
    await expect(listManufacturerProducts(fx.reads, CODE, 0, 257)).rejects.toMatchObject({ rule: "too-many-products" });
    await expect(listManufacturerProducts(fx.reads, CODE, 7, 0)).rejects.toMatchObject({
      rule: "offset-beyond-products",
    });
    await expect(listManufacturerProducts(fx.reads, "bad code", 0, 0)).rejects.toMatchObject({ rule: "malformed-id" });
    const { e, absence: a } = await absence(listManufacturerProducts(fx.reads, "91110000000000999X", 0, 0));
    expect(e.rule).toBe("manufacturer-not-found");
    expect(verifyMapAbsence(a, { kind: "manufacturer", id: "91110000000000999X" }, trust).verified).toBe(true);
    expect(verifyMapAbsence(a, { kind: "manufacturer", id: CODE }, trust).reasons[0]!.code).toBe("wrong-key");
  });
});

describe("issuer answers", () => {
  it("an honest answer proves the issuer's state current (after a key rotation)", async () => {
    const res = await fx.reads.getIssuer("CCRC");
    const v = verifyIssuerAnswer(res, "CCRC", trust);
    expect(v.reasons).toEqual([]);
    expect(v.issuer).toMatchObject({ issuerId: "CCRC", status: "active" });
    expect(v.issuer!.lastIndex).toBe(Number(res.issuer!.history.at(-1)!.index));
  });

  it("a server that leaves out the issuer's latest entry (the key rotation) is caught", async () => {
    const res = await fx.reads.getIssuer("CCRC");
    const last = res.issuer!.history.at(-1)!.index;
    const v = verifyIssuerAnswer({ ...res, entries: res.entries.filter((p) => p.index !== last) }, "CCRC", trust);
    expect(v.verified).toBe(false);
    expect(v.reasons[0]!.code).toBe("incomplete-history");
  });

  it("a tampered proof, commitment, reported state or another issuer's answer is refused", async () => {
    const res = await fx.reads.getIssuer("CCRC");
    const cases: [string, GetIssuerResponse, string][] = [
      ["map proof", { ...res, mapProof: flip(res.mapProof, 33) }, "map-proof"],
      ["commitment", { ...res, commitment: flipEntry(res.commitment, 4) }, "map-commitment"],
      ["status", { ...res, issuer: { ...res.issuer!, status: 3 } }, "issuer-state-differs"],
      ["no map proof", { ...res, mapProof: new Uint8Array(0) }, "map-proof"],
    ];
    for (const [what, r, code] of cases) {
      const v = verifyIssuerAnswer(r, "CCRC", trust);
      expect(v.verified, what).toBe(false);
      expect(v.reasons[0]!.code, what).toBe(code);
    }
    expect(verifyIssuerAnswer(res, "OTHER", trust).verified).toBe(false);
  });

  it("an unknown issuer is NOT_FOUND with a proof of absence", async () => {
    const { e, absence: a } = await absence(fx.reads.getIssuer("NOSUCH"));
    expect(e.rule).toBe("issuer-not-found");
    expect(verifyMapAbsence(a, { kind: "issuer", id: "NOSUCH" }, trust).verified).toBe(true);
  });
});

describe("damaged answers", () => {
  it("fuzz: a byte changed in an encoded answer or absence never throws, and never changes what verifies", async () => {
    const honest = {
      product: LookupProductResponse.encode(await fx.reads.lookupProduct(CODE, REISSUED)).finish(),
      page: ListManufacturerProductsResponse.encode(await listManufacturerProducts(fx.reads, CODE, 0, 0)).finish(),
      absent: MapAbsence.encode((await absence(fx.reads.getIssuer("NOSUCH"))).absence).finish(),
    };
    /** What a verified answer vouches for, or undefined when it does not verify or does not decode. */
    const decodeOr = <T>(decode: (b: Uint8Array) => T, bytes: Uint8Array): T | undefined => {
      try {
        return decode(bytes);
      } catch {
        return undefined; // not protobuf: the generated decoder refuses it before any verifier sees it
      }
    };
    const proven = (which: keyof typeof honest, bytes: Uint8Array): unknown => {
      if (which === "product") {
        const m = decodeOr(LookupProductResponse.decode, bytes);
        const v = m && verifyProductAnswer(m, { registrationCode: CODE, productModel: REISSUED }, trust);
        return v?.verified ? { product: v.product, labels: v.labels, asOf: v.asOf } : undefined;
      }
      if (which === "page") {
        const m = decodeOr(ListManufacturerProductsResponse.decode, bytes);
        const v = m && verifyManufacturerPage(m, { registrationCode: CODE, offset: 0 }, trust);
        return v?.verified
          ? { products: v.products, models: v.productModels, next: v.nextOffset, asOf: v.asOf }
          : undefined;
      }
      const m = decodeOr(MapAbsence.decode, bytes);
      const v = m && verifyMapAbsence(m, { kind: "issuer", id: "NOSUCH" }, trust);
      return v?.verified ? { asOf: v.asOf } : undefined;
    };
    const want = {
      product: proven("product", honest.product),
      page: proven("page", honest.page),
      absent: proven("absent", honest.absent),
    };
    expect(want.product && want.page && want.absent).toBeTruthy();
    fc.assert(
      fc.property(
        fc.constantFrom("product", "page", "absent") as fc.Arbitrary<keyof typeof honest>,
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (which, at, x) => {
          const src = honest[which];
          const got = proven(
            which,
            Uint8Array.from(src, (b, j) => (j === at % src.length ? b ^ x : b)),
          );
          // Damage the verifier does not rely on (the server's clock, a history event's kind) may still verify.
          if (got !== undefined) expect(got).toEqual(want[which]);
        },
      ),
      { numRuns: 400 },
    );
  });
});
