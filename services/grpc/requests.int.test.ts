// Every RPC of every service over real gRPC, with raw bytes as requests: a request carrying fields
// from a newer proto is answered as if they were not there (ordinary protobuf rules), and every
// refusal of a malformed or incomplete request carries its rule in the `labelreg-rule` trailer.
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  IssuanceServiceDefinition,
  SubmitBulkRequest,
  SubmitBulkResponse,
  SubmitRequest,
} from "../../proto/gen/messages/labelreg/v1/issuance_service.js";
import {
  GetCheckpointRequest,
  GetConsistencyProofRequest,
  GetEntriesRequest,
  GetInclusionProofRequest,
  GetTileRequest,
  LogServiceDefinition,
  WatchCheckpointsRequest,
} from "../../proto/gen/messages/labelreg/v1/log_service.js";
import {
  GetIssuerRequest,
  GetLabelRequest,
  ListCatalogueRequest,
  SearchLabelsRequest,
  GetStatsRequest,
  ListManufacturerProductsRequest,
  ListIssuersRequest,
  LookupProductRequest,
  VerificationServiceDefinition,
  VerifyLabelsRequest,
  WatchLabelsRequest,
} from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import * as S from "../client/statements.js";
import { grpcDefinition } from "./service.js";
import { sampleLabel, startIssuanceFixture, type IssuanceFixture } from "../../test/issuance-fixture.js";

const identity = (b: Buffer) => b;
// Field 15 (a varint) and field 16 (bytes): numbers no request message uses today.
const UNKNOWN_FIELDS = [0x78, 0x01, 0x82, 0x01, 0x02, 0x61, 0x62];

interface Answer {
  readonly code: grpc.status;
  readonly rule: string | undefined;
  /** The first response message, if any. */
  readonly first: Buffer | undefined;
}

const methods = [IssuanceServiceDefinition, VerificationServiceDefinition, LogServiceDefinition].flatMap((s) =>
  Object.values(grpcDefinition(s) as grpc.ServiceDefinition),
);

/** Calls `path` with `request` as its (first) request bytes and takes its first response or its status. */
function call(client: grpc.Client, path: string, request: Uint8Array): Promise<Answer> {
  const m = methods.find((x) => x.path === path)!;
  const bytes = Buffer.from(request);
  const ruleOf = (md: grpc.Metadata | undefined) => {
    const r = md?.get("labelreg-rule")[0];
    return typeof r === "string" ? r : undefined;
  };
  return new Promise((res) => {
    if (!m.requestStream && !m.responseStream) {
      client.makeUnaryRequest(path, identity, identity, bytes, (err, out) =>
        res(
          err
            ? { code: err.code, rule: ruleOf(err.metadata), first: undefined }
            : { code: grpc.status.OK, rule: undefined, first: out },
        ),
      );
      return;
    }
    const duplex = m.requestStream ? client.makeBidiStreamRequest(path, identity, identity) : undefined;
    const stream: grpc.ClientReadableStream<Buffer> =
      duplex ?? client.makeServerStreamRequest(path, identity, identity, bytes);
    let done = false;
    stream.on("data", (d: Buffer) => {
      if (done) return;
      done = true;
      res({ code: grpc.status.OK, rule: undefined, first: d });
      stream.cancel();
    });
    stream.on("error", (e: grpc.ServiceError) => {
      if (!done) res({ code: e.code, rule: ruleOf(e.metadata), first: undefined });
      done = true;
    });
    stream.on("end", () => {
      if (!done) res({ code: grpc.status.OK, rule: undefined, first: undefined });
      done = true;
    });
    if (duplex) {
      duplex.write(bytes);
      duplex.end();
    }
  });
}

describe("requests over gRPC, every RPC", () => {
  let f: IssuanceFixture;
  let raw: grpc.Client;
  let requests: Record<string, Uint8Array>;
  beforeAll(async () => {
    f = await startIssuanceFixture();
    raw = new grpc.Client(f.address, grpc.credentials.createInsecure());
    const issuer = (await f.accredited("FWD")).signer;
    const label = sampleLabel("FWD-MODEL");
    await f.client().submitStatement(issuer, S.issueLabel("FWD-1", label));
    const fresh = (n: number) => f.sign(issuer, S.issueLabel(`FWD-N${n}`, sampleLabel(`FWD-N${n}`)));
    requests = {
      "/labelreg.v1.IssuanceService/Submit": SubmitRequest.encode({ signedStatement: fresh(1) }).finish(),
      "/labelreg.v1.IssuanceService/SubmitBulk": SubmitBulkRequest.encode({
        sequence: 1n,
        signedStatement: fresh(2),
      }).finish(),
      "/labelreg.v1.VerificationService/GetLabel": GetLabelRequest.encode({ labelId: "FWD-1" }).finish(),
      "/labelreg.v1.VerificationService/LookupProduct": LookupProductRequest.encode({
        registrationCode: label.manufacturer!.registrationCode,
        productModel: "FWD-MODEL",
      }).finish(),
      "/labelreg.v1.VerificationService/VerifyLabels": VerifyLabelsRequest.encode({
        labelIds: ["FWD-1"],
        compact: false,
      }).finish(),
      "/labelreg.v1.VerificationService/WatchLabels": WatchLabelsRequest.encode({
        fromIndex: 0n,
        labelIds: ["FWD-1"],
        issuerIds: [],
        categoryIds: [],
        manufacturerCodes: [],
        eventKinds: [1],
      }).finish(),
      "/labelreg.v1.VerificationService/GetIssuer": GetIssuerRequest.encode({ issuerId: "FWD" }).finish(),
      "/labelreg.v1.VerificationService/ListIssuers": ListIssuersRequest.encode({}).finish(),
      "/labelreg.v1.VerificationService/ListCatalogue": ListCatalogueRequest.encode({}).finish(),
      "/labelreg.v1.VerificationService/SearchLabels": SearchLabelsRequest.encode({
        query: "FWD-MODEL",
        pageSize: 0,
        pageToken: "",
      }).finish(),
      "/labelreg.v1.VerificationService/GetStats": GetStatsRequest.encode({}).finish(),
      "/labelreg.v1.VerificationService/ListManufacturerProducts": ListManufacturerProductsRequest.encode({
        registrationCode: label.manufacturer!.registrationCode,
        offset: 0,
        limit: 1,
      }).finish(),
      "/labelreg.v1.LogService/GetCheckpoint": GetCheckpointRequest.encode({}).finish(),
      "/labelreg.v1.LogService/GetInclusionProof": GetInclusionProofRequest.encode({
        leaf: { $case: "index", value: 0n },
        treeSize: 0n,
      }).finish(),
      "/labelreg.v1.LogService/GetConsistencyProof": GetConsistencyProofRequest.encode({
        firstSize: 1n,
        secondSize: 0n,
      }).finish(),
      "/labelreg.v1.LogService/GetEntries": GetEntriesRequest.encode({ start: 0n, end: 1n }).finish(),
      "/labelreg.v1.LogService/GetTile": GetTileRequest.encode({
        level: 0,
        index: 0n,
        width: 1,
        entryBundle: false,
      }).finish(),
      "/labelreg.v1.LogService/WatchCheckpoints": WatchCheckpointsRequest.encode({ afterSize: 0n }).finish(),
    };
  });
  afterAll(async () => {
    raw.close();
    await f.close();
  });

  it("a request carrying unknown fields is answered normally, on every RPC", async () => {
    expect(Object.keys(requests).sort()).toEqual(methods.map((m) => m.path).sort());
    const size = f.statementCount();
    // Submits go last: a statement they append moves the checkpoint, and with it the answers
    // of the reads compared below, at a moment the test does not control.
    const ordered = [...methods].sort((x, y) => Number(x.path.includes("Submit")) - Number(y.path.includes("Submit")));
    for (const m of ordered) {
      const request = requests[m.path]!;
      const a = await call(raw, m.path, Uint8Array.from([...request, ...UNKNOWN_FIELDS]));
      expect(a, m.path).toMatchObject({ code: grpc.status.OK, first: expect.any(Buffer) });
      // And with the unknown fields first: field order is not the encoder's business either.
      if (!m.path.includes("Submit")) {
        const b = await call(raw, m.path, Uint8Array.from([...UNKNOWN_FIELDS, ...request]));
        expect(b.first?.equals(a.first!), m.path).toBe(true);
      }
    }
    // The two Submit calls each appended their statement.
    expect(f.statementCount()).toBe(size + 2);
  });

  it("a request whose framing is broken is refused on every RPC, with INVALID_ARGUMENT and rule malformed-request", async () => {
    // A length prefix running past the end of the request.
    for (const m of methods) {
      expect(await call(raw, m.path, Uint8Array.of(0x0a, 0x05, 0x01)), m.path).toMatchObject({
        code: grpc.status.INVALID_ARGUMENT,
        rule: "malformed-request",
      });
    }
  });

  it("a Submit without a statement is refused with rule missing-statement, in the trailer and in a bulk status", async () => {
    expect(await call(raw, "/labelreg.v1.IssuanceService/Submit", new Uint8Array(0))).toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      rule: "missing-statement",
    });
    const bulk = await call(
      raw,
      "/labelreg.v1.IssuanceService/SubmitBulk",
      SubmitBulkRequest.encode({ sequence: 7n, signedStatement: undefined }).finish(),
    );
    const r = SubmitBulkResponse.decode(bulk.first!);
    expect(r).toMatchObject({
      sequence: 7n,
      result: { $case: "status", value: { code: grpc.status.INVALID_ARGUMENT, rule: "missing-statement" } },
    });
  });
});
