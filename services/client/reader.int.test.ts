// The read SDK against a real registry over gRPC on loopback: every read, for a key that exists
// and one that does not, comes back verified (a proof of absence for the unknown ones); a server
// double that leaves out one of a product's labels or one of a manufacturer's products, or
// tampers with a proof, is refused with DATA_LOSS naming the verdict.
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  VerificationServiceDefinition,
  type GetIssuerResponse,
  type LookupProductResponse,
  type ListManufacturerProductsResponse,
} from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { VerificationServiceClient } from "../grpc/clients.js";
import { grpcDefinition, type ServiceHandlers } from "../grpc/service.js";
import { sampleLabel, startIssuanceFixture, type IssuanceFixture } from "../../test/issuance-fixture.js";
import { RegistryClientError } from "./errors.js";
import { RegistryReader } from "./reader.js";
import type { StatementSigner } from "./signer.js";
import { issueLabel, revokeLabel, rotateIssuerKey } from "./statements.js";

const CODE = "91330100MA2AXXXX1X";
const OTHER = "91110000000000000X";
const reason = { code: 1, text: "nonconformity found in follow-up testing" };

let f: IssuanceFixture;
let issuer: StatementSigner;
let reader: RegistryReader;
const trust = () => ({ logKey: f.logKey, authorityPublicKey: f.authority.publicKey });

beforeAll(async () => {
  f = await startIssuanceFixture();
  issuer = (await f.accredited("CCRC")).signer;
  const c = f.client();
  await c.submitStatement(issuer, issueLabel("CCRC-1", sampleLabel("EV-C200")));
  await c.submitStatement(issuer, issueLabel("CCRC-2", sampleLabel("EV-C300")));
  await c.submitStatement(issuer, issueLabel("CCRC-3", sampleLabel("EV-C400")));
  await c.submitStatement(issuer, issueLabel("CCRC-9", sampleLabel("R-1", OTHER)));
  await c.submitStatement(issuer, revokeLabel({ labelId: "CCRC-2", expectedVersion: 1 }, reason));
  await c.submitStatement(issuer, issueLabel("CCRC-4", sampleLabel("ev-c300")));
  reader = new RegistryReader({ address: f.address, trust: trust() });
});
afterAll(async () => {
  reader?.close();
  await f?.close();
});

describe("reads with proofs over gRPC", () => {
  it("GetLabel: a label verifies complete; an unknown id is a verified absence", async () => {
    const r = await reader.getLabel("CCRC-2");
    expect(r.found && r.verdict.status).toBe("revoked");
    expect(r.found && r.verdict.completeAsOf?.index).toBe(f.treeSize() - 1);
    const gone = await reader.getLabel("CCRC-404");
    expect(gone).toMatchObject({ found: false, absence: { absent: true, labelId: "CCRC-404" } });
  });

  it("LookupProduct: the product's labels and live label proven, each label's state too; unknown: absence", async () => {
    const r = await reader.lookupProduct(CODE, "EV-C300");
    expect(r.found).toBe(true);
    if (!r.found) return;
    expect(r.verdict.product).toMatchObject({
      labelIds: ["CCRC-2", "CCRC-4"],
      liveLabelId: "CCRC-4",
      model: "EV-C300",
    });
    expect(r.verdict.labels.map((l) => l.state)).toEqual(["REVOKED", "ACTIVE"]);
    expect(r.verdict.completeAsOf?.index).toBe(f.treeSize() - 1);
    const gone = await reader.lookupProduct(CODE, "EV-NONE");
    expect(gone).toMatchObject({ found: false, absence: { verified: true, kind: "product", id: `${CODE}\nEV-NONE` } });
    await expect(reader.lookupProduct("bad code", "X")).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      rule: "malformed-id",
    });
  });

  it("GetIssuer: the issuer's state proven current, after a key rotation; unknown: absence", async () => {
    const rotated = f.newIssuerKey("CCRC");
    await f
      .client()
      .submitStatement(
        f.authority,
        rotateIssuerKey({ issuerId: "CCRC", newPublicKey: rotated.signer.publicKey, reason }),
      );
    issuer = rotated.signer;
    const r = await reader.getIssuer("CCRC");
    expect(r.found && r.verdict.issuer).toMatchObject({ issuerId: "CCRC", status: "active" });
    expect(r.found && r.answer.issuer!.keys.length).toBe(2);
    expect(await reader.getIssuer("NOSUCH")).toMatchObject({
      found: false,
      absence: { verified: true, kind: "issuer" },
    });
  });

  it("ListManufacturerProducts: every product with its labels, in pages; unknown: absence", async () => {
    const page = await reader.listManufacturerProducts(CODE, { offset: 1, limit: 1 });
    expect(page.found && page.verdict.products.map((p) => p.model)).toEqual(["EV-C300"]);
    expect(page.found && page.verdict.nextOffset).toBe(2);
    const all = await reader.allManufacturerProducts(CODE);
    expect(all.found).toBe(true);
    if (!all.found) return;
    expect(all.all.products.map((p) => [p.model, p.labelIds, p.liveLabelId])).toEqual([
      ["EV-C200", ["CCRC-1"], "CCRC-1"],
      ["EV-C300", ["CCRC-2", "CCRC-4"], "CCRC-4"],
      ["EV-C400", ["CCRC-3"], "CCRC-3"],
    ]);
    expect(await reader.allManufacturerProducts("91440000000000000X")).toMatchObject({
      found: false,
      absence: { verified: true, kind: "manufacturer" },
    });
    await expect(reader.listManufacturerProducts(CODE, { limit: 1000 })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      rule: "too-many-products",
    });
  });

  it("VerifyLabels: known ids verify, unknown ids carry a verified absence, malformed ids a refusal, in order", async () => {
    const r = await reader.verifyLabels(["CCRC-1", "CCRC-404", "not an id", "CCRC-2"]);
    expect(r.map((x) => (x.found ? x.verdict.status : "absence" in x ? "absent" : x.refused.rule))).toEqual([
      "valid",
      "absent",
      "malformed-id",
      "revoked",
    ]);
  });

  it("VerifyLabels sends the absence in the full form too, with its checkpoint", async () => {
    const c = new VerificationServiceClient(f.address, grpc.credentials.createInsecure());
    const call = c.verifyLabels();
    call.end({ labelIds: ["CCRC-405"], compact: false });
    const got = [];
    for await (const m of call) got.push(m);
    c.close();
    const err = got.find((m) => m.message?.$case === "result")!.message;
    expect(
      err?.$case === "result" && err.value.result?.$case === "error" && err.value.result.value.absence?.checkpoint,
    ).toMatch(/^test\.example\/labelreg\n/);
  });
});

/** A VerificationService that forwards to the real registry and may rewrite its answers. */
async function double(rewrite: {
  product?: (r: LookupProductResponse) => LookupProductResponse;
  products?: (r: ListManufacturerProductsResponse) => ListManufacturerProductsResponse;
  issuer?: (r: GetIssuerResponse) => GetIssuerResponse;
  /** Forward refusals with their status only, without the trailers (the proofs of absence). */
  bareErrors?: boolean;
}): Promise<{ address: string; close: () => void }> {
  const real = new VerificationServiceClient(f.address, grpc.credentials.createInsecure());
  const forward =
    <Req, Res>(
      method: (req: Req, cb: (e: grpc.ServiceError | null, r: Res) => void) => unknown,
      change?: (r: Res) => Res,
    ) =>
    (call: grpc.ServerUnaryCall<Req, Res>, cb: grpc.sendUnaryData<Res>) =>
      method.call(real, call.request, (e, r) =>
        e ? cb(rewrite.bareErrors ? { code: e.code, details: e.details } : e) : cb(null, change ? change(r) : r),
      );
  const impl: Partial<ServiceHandlers<VerificationServiceDefinition>> = {
    lookupProduct: forward(real.lookupProduct, rewrite.product),
    listManufacturerProducts: forward(real.listManufacturerProducts, rewrite.products),
    getIssuer: forward(real.getIssuer, rewrite.issuer),
  };
  const server = new grpc.Server();
  server.addService(grpcDefinition(VerificationServiceDefinition), impl as grpc.UntypedServiceImplementation);
  const port = await new Promise<number>((res, rej) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))),
  );
  return {
    address: `127.0.0.1:${port}`,
    close: () => {
      server.forceShutdown();
      real.close();
    },
  };
}

describe("a server that hides part of the answer", () => {
  const refused = async (p: Promise<unknown>, code: string) => {
    const e = await p.then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(RegistryClientError);
    expect(e).toMatchObject({ code: "DATA_LOSS", rule: "bad-answer" });
    expect((e as Error).message).toContain(`(${code})`);
  };

  it("one of a product's labels left out: caught (incomplete-product)", async () => {
    const d = await double({
      product: (r) => ({ ...r, labels: r.labels.slice(1), labelMapProofs: r.labelMapProofs.slice(1) }),
    });
    const r = new RegistryReader({ address: d.address, trust: trust() });
    try {
      await refused(r.lookupProduct(CODE, "EV-C300"), "incomplete-product");
    } finally {
      r.close();
      d.close();
    }
  });

  it("one of a manufacturer's products left out: caught (incomplete-products)", async () => {
    const d = await double({ products: (r) => ({ ...r, products: r.products.filter((p) => p.model !== "EV-C300") }) });
    const r = new RegistryReader({ address: d.address, trust: trust() });
    try {
      await refused(r.allManufacturerProducts(CODE), "incomplete-products");
    } finally {
      r.close();
      d.close();
    }
  });

  it("an issuer's latest entry (its key rotation) left out: caught (incomplete-history)", async () => {
    const d = await double({
      issuer: (r) => {
        const last = r.issuer!.history.at(-1)!.index;
        return { ...r, entries: r.entries.filter((p) => p.index !== last) };
      },
    });
    const r = new RegistryReader({ address: d.address, trust: trust() });
    try {
      await refused(r.getIssuer("CCRC"), "incomplete-history");
    } finally {
      r.close();
      d.close();
    }
  });

  it("a tampered map proof: caught (map-proof)", async () => {
    const flip = (b: Uint8Array) => Uint8Array.from(b, (x, i) => (i === 40 ? x ^ 1 : x));
    const d = await double({ product: (r) => ({ ...r, mapProof: flip(r.mapProof) }) });
    const r = new RegistryReader({ address: d.address, trust: trust() });
    try {
      await refused(r.lookupProduct(CODE, "EV-C300"), "map-proof");
    } finally {
      r.close();
      d.close();
    }
  });

  it("a NOT_FOUND without its proof of absence: refused, not taken as absence", async () => {
    const d = await double({ bareErrors: true });
    const r = new RegistryReader({ address: d.address, trust: trust() });
    try {
      await refused(r.lookupProduct(CODE, "EV-NONE"), "no-absence-proof");
    } finally {
      r.close();
      d.close();
    }
  });
});
