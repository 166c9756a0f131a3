// The JSON API's state map proofs over HTTP on loopback: products, a manufacturer's products and
// issuers answer with proofs that the portable verifier accepts from their proto3 JSON; unknown
// ones are 404s whose body carries a proof of absence; bad paging is a 400 naming the rule.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  GetIssuerResponse,
  LabelBundle,
  ListManufacturerProductsResponse,
  LookupProductResponse,
  MapAbsence,
  VerifyLabelsResponse,
} from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { verifyLabelAbsence } from "../../services/verify/completeness.js";
import {
  productMapId,
  verifyIssuerAnswer,
  verifyManufacturerPage,
  verifyMapAbsence,
  verifyProductAnswer,
} from "../../services/verify/state-answers.js";
import { authority, fixtureLogSigner, openFixture, type Fixture } from "../../test/gateway/registry-fixture.js";

const CODE = "91330100MA2AXXXX1X";
let fx: Fixture;
beforeAll(async () => {
  fx = await openFixture();
});
afterAll(async () => {
  await fx?.close();
});

const get = (path: string) => fetch(`${fx.gw.url}${path}`);
const trust = { logKey: fixtureLogSigner.verifierKey, authorityPublicKey: authority.publicKey };
const json = async (path: string, status = 200) => {
  const r = await get(path);
  expect(r.status, path).toBe(status);
  return (await r.json()) as Record<string, unknown>;
};
const absenceOf = (body: Record<string, unknown>) => MapAbsence.fromJSON(body.absence);

describe("JSON API reads with proofs", () => {
  it("GET /api/v1/products/{code}/{model}: the product's labels and each label's state verify", async () => {
    const res = LookupProductResponse.fromJSON(await json(`/api/v1/products/${CODE}/ev-c300`));
    const v = verifyProductAnswer(res, { registrationCode: CODE, productModel: "ev-c300" }, trust);
    expect(v.reasons).toEqual([]);
    expect(v.product).toMatchObject({ model: "EV-C300", labelIds: ["CCRC-2"], liveLabelId: "" });
    expect(v.labels.map((l) => l.state)).toEqual(["REVOKED"]);
  });

  it("an unknown product is a 404 whose body proves its absence", async () => {
    const body = await json(`/api/v1/products/${CODE}/NOPE`, 404);
    expect(body).toMatchObject({ code: 5, status: "NOT_FOUND", rule: "product-not-found" });
    const v = verifyMapAbsence(absenceOf(body), { kind: "product", id: productMapId(CODE, "NOPE") }, trust);
    expect(v.reasons).toEqual([]);
    expect(v.verified).toBe(true);
  });

  it("GET /api/v1/manufacturers/{code}/products: every product, proven; pages with offset and limit", async () => {
    const all = ListManufacturerProductsResponse.fromJSON(await json(`/api/v1/manufacturers/${CODE}/products`));
    const v = verifyManufacturerPage(all, { registrationCode: CODE, offset: 0 }, trust);
    expect(v.reasons).toEqual([]);
    expect(v.products.map((p) => [p.model, p.labelIds])).toEqual([
      ["EV-C200", ["CCRC-1"]],
      ["EV-C300", ["CCRC-2"]],
      ["EV-TAMPER", ["CCRC-3"]],
    ]);
    const page = ListManufacturerProductsResponse.fromJSON(
      await json(`/api/v1/manufacturers/${CODE}/products?offset=1&limit=1`),
    );
    const pv = verifyManufacturerPage(page, { registrationCode: CODE, offset: 1 }, trust);
    expect(pv.reasons).toEqual([]);
    expect([pv.products.map((p) => p.model), pv.nextOffset]).toEqual([["EV-C300"], 2]);
  });

  it("an unknown manufacturer is a 404 with its proof of absence; bad paging and codes are 400s naming the rule", async () => {
    const body = await json("/api/v1/manufacturers/91110000000000000X/products", 404);
    expect(body.rule).toBe("manufacturer-not-found");
    expect(verifyMapAbsence(absenceOf(body), { kind: "manufacturer", id: "91110000000000000X" }, trust).verified).toBe(
      true,
    );
    const refusals: [string, string][] = [
      [`/api/v1/manufacturers/${CODE}/products?limit=257`, "too-many-products"],
      [`/api/v1/manufacturers/${CODE}/products?offset=4`, "offset-beyond-products"],
      [`/api/v1/manufacturers/${CODE}/products?offset=-1`, "bad-number"],
      [`/api/v1/manufacturers/${CODE}/products?limit=4294967297`, "bad-number"],
      ["/api/v1/manufacturers/lower-case/products", "malformed-id"],
    ];
    for (const [path, rule] of refusals) expect((await json(path, 400)).rule, path).toBe(rule);
    expect((await get(`/api/v1/manufacturers/${CODE}`)).status).toBe(404);
  });

  it("GET /api/v1/issuers/{id}: the issuer's state proven current; an unknown issuer's 404 proves its absence", async () => {
    const res = GetIssuerResponse.fromJSON(await json("/api/v1/issuers/CCRC"));
    const v = verifyIssuerAnswer(res, "CCRC", trust);
    expect(v.reasons).toEqual([]);
    expect(v.issuer).toMatchObject({ issuerId: "CCRC", status: "active" });
    const body = await json("/api/v1/issuers/NOPE", 404);
    expect(verifyMapAbsence(absenceOf(body), { kind: "issuer", id: "NOPE" }, trust).verified).toBe(true);
  });

  it("POST /api/v1/labels:verify: an unknown id's error carries its proof of absence", async () => {
    const r = await fetch(`${fx.gw.url}/api/v1/labels:verify`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ labelIds: ["CCRC-1", "CCRC-404"] }),
    });
    const lines = (await r.text())
      .trim()
      .split("\n")
      .map((l) => VerifyLabelsResponse.fromJSON(JSON.parse(l)));
    const err = lines.map((m) => m.message).find((m) => m?.$case === "result" && m.value.labelId === "CCRC-404");
    const absence =
      err?.$case === "result" && err.value.result?.$case === "error" ? err.value.result.value.absence : undefined;
    expect(absence).toBeDefined();
    const v = verifyLabelAbsence(LabelBundle.fromJSON(LabelBundle.toJSON(absence!)), trust);
    expect(v).toMatchObject({ absent: true, labelId: "CCRC-404" });
  });

  it("fuzz: any offset and limit query gets a 200 or a 400 naming its rule, never a 500", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string(), fc.nat().map(String), fc.bigInt({ min: 0n, max: 1n << 40n }).map(String)),
        fc.oneof(fc.string(), fc.nat({ max: 300 }).map(String)),
        async (offset, limit) => {
          const r = await get(
            `/api/v1/manufacturers/${CODE}/products?offset=${encodeURIComponent(offset)}&limit=${encodeURIComponent(limit)}`,
          );
          expect([200, 400]).toContain(r.status);
          // The router refuses a query with characters no parameter uses before the API sees it (plain text).
          if (!r.headers.get("content-type")?.startsWith("application/json")) {
            expect([r.status, (await r.text()).trim()]).toEqual([400, "malformed query string"]);
            return;
          }
          const body = (await r.json()) as { rule?: string };
          if (r.status === 400) expect(body.rule).toMatch(/^(bad-number|too-many-products|offset-beyond-products)$/);
        },
      ),
      { numRuns: 60 },
    );
  });
});
