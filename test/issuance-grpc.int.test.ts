// IssuanceService over real gRPC on loopback: racing clients, every refusal status with its rule
// in the `labelreg-rule` trailer and nothing written, health checking and server reflection.
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { service as healthService } from "grpc-health-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSignerKey } from "../log/note-keys.js";
import type { SignedStatement } from "../proto/gen/messages/labelreg/v1/entry.js";
import type { Tier } from "../proto/gen/messages/labelreg/v1/statement.js";
import type { RegistryClient } from "../services/client/client.js";
import { StatementSigner } from "../services/client/signer.js";
import * as S from "../services/client/statements.js";
import { sampleLabel, startIssuanceFixture, type IssuanceFixture } from "./issuance-fixture.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const reason = { code: 1, text: "test" };

/** Submits through the generated stub and returns the raw status: code, details and the rule trailer. */
function rawSubmit(
  client: RegistryClient,
  signed: SignedStatement,
): Promise<{ code: grpc.status; rule: string | undefined }> {
  return new Promise((res) =>
    client.stub.submit({ signedStatement: signed }, (err) => {
      if (!err) return res({ code: grpc.status.OK, rule: undefined });
      const rule = err.metadata.get("labelreg-rule")[0];
      res({ code: err.code, rule: typeof rule === "string" ? rule : undefined });
    }),
  );
}

describe("IssuanceService over gRPC", () => {
  let f: IssuanceFixture;
  let client: RegistryClient;
  let ccrc: StatementSigner;
  let cqc: StatementSigner;
  beforeAll(async () => {
    f = await startIssuanceFixture();
    client = f.client({ retry: { attempts: 1 } });
    ccrc = (await f.accredited("CCRC")).signer;
    cqc = (await f.accredited("CQC")).signer;
  });
  afterAll(() => f.close());

  it("many clients racing to label one product: exactly one wins, the rest ALREADY_EXISTS", async () => {
    for (let round = 0; round < 5; round++) {
      const model = `RACE-${round}`;
      const contenders = Array.from({ length: 24 }, (_, i) => {
        const signer = i % 2 ? ccrc : cqc;
        const c = f.client({ retry: { attempts: 1 } });
        return c.submitStatement(signer, S.issueLabel(`${signer.name}-R${round}X${i}`, sampleLabel(model)));
      });
      const outcomes = await Promise.allSettled(contenders);
      const won = outcomes.filter((o) => o.status === "fulfilled");
      expect(won.length).toBe(1);
      for (const o of outcomes)
        if (o.status === "rejected")
          expect(o.reason).toMatchObject({ code: "ALREADY_EXISTS", rule: "product-has-live-label" });
    }
  });

  it("racing changes at one expected version: exactly one wins, the rest ABORTED", async () => {
    await client.submitStatement(ccrc, S.issueLabel("CCRC-V1", sampleLabel("VERSIONED")));
    for (let version = 1; version <= 4; version++) {
      const contenders = Array.from({ length: 16 }, (_, i) => {
        const c = f.client({ retry: { attempts: 1 } });
        const at = { labelId: "CCRC-V1", expectedVersion: version };
        const s =
          i % 3 === 0
            ? S.renewLabel(at, { validUntilUnix: S.nowUnix() + BigInt(400 + 20 * version + i) * 86_400n })
            : i % 3 === 1
              ? S.suspendLabel(at, { code: 1, text: `suspension ${i}` })
              : S.revokeLabel(at, { code: 1, text: `revocation ${i}` });
        return c.submitStatement(ccrc, s);
      });
      const outcomes = await Promise.allSettled(contenders);
      const won = outcomes.filter((o) => o.status === "fulfilled");
      expect(won.length).toBe(1);
      for (const o of outcomes)
        if (o.status === "rejected")
          expect(o.reason).toMatchObject({ code: "ABORTED", rule: "label-version-mismatch" });
      const label = f.running.registry.view.state.labels.get("CCRC-V1")!;
      expect(label.version).toBe(BigInt(version + 1));
      if (label.state === "REVOKED") break;
      if (label.state === "SUSPENDED") {
        await client.submitStatement(
          ccrc,
          S.reinstateLabel({ labelId: "CCRC-V1", expectedVersion: label.version }, reason),
        );
        version++;
      }
    }
  });

  it("every refusal has its status and rule on the wire, and writes nothing", async () => {
    await client.submitStatement(ccrc, S.issueLabel("CCRC-REF", sampleLabel("REFUSALS")));
    const good = f.sign(ccrc, S.suspendLabel({ labelId: "CCRC-REF", expectedVersion: 1 }, reason));
    const stranger = StatementSigner.fromKeyString(generateSignerKey("EVIL").signerKey);
    const fixedId = S.issueLabel("CCRC-REQ", sampleLabel("REQ-1"), { requestId: "fixed-request-id" });
    await client.submitStatement(ccrc, fixedId);
    const cases: [string, SignedStatement, grpc.status, string][] = [
      [
        "a statement for another log",
        ccrc.sign(
          S.suspendLabel({ labelId: "CCRC-REF", expectedVersion: 1 }, reason, { logOrigin: "other.example/labels" }),
        ),
        grpc.status.INVALID_ARGUMENT,
        "wrong-log",
      ],
      [
        "a statement naming no log",
        ccrc.sign(S.suspendLabel({ labelId: "CCRC-REF", expectedVersion: 1 }, reason)),
        grpc.status.INVALID_ARGUMENT,
        "wrong-log",
      ],
      [
        "malformed statement bytes",
        { ...good, statement: Uint8Array.of(0xff, 0xff, 0xff) },
        grpc.status.INVALID_ARGUMENT,
        "malformed-protobuf",
      ],
      [
        "oversized statement",
        f.sign(ccrc, S.issueLabel("CCRC-BIG", { ...sampleLabel("BIG"), productModel: "x".repeat(20_000) })),
        grpc.status.INVALID_ARGUMENT,
        "statement-too-large",
      ],
      ["short key id", { ...good, keyId: good.keyId.subarray(0, 31) }, grpc.status.INVALID_ARGUMENT, "byte-length"],
      [
        "structurally invalid",
        f.sign(ccrc, S.issueLabel("CCRC-T9", { ...sampleLabel("T9"), tier: 9 as Tier })),
        grpc.status.INVALID_ARGUMENT,
        "tier-range",
      ],
      [
        "unknown category",
        f.sign(ccrc, S.issueLabel("CCRC-CAT", { ...sampleLabel("CAT"), categoryId: "smart-kettle" })),
        grpc.status.INVALID_ARGUMENT,
        "category-not-in-catalogue",
      ],
      [
        "bad signature",
        { ...good, signature: Uint8Array.from(good.signature, (b, i) => (i === 0 ? b ^ 1 : b)) },
        grpc.status.UNAUTHENTICATED,
        "bad-signature",
      ],
      [
        "unknown key",
        f.sign(stranger, S.suspendLabel({ labelId: "CCRC-REF", expectedVersion: 1 }, reason)),
        grpc.status.UNAUTHENTICATED,
        "unknown-key",
      ],
      [
        "not the label's issuer",
        f.sign(cqc, S.suspendLabel({ labelId: "CCRC-REF", expectedVersion: 1 }, reason)),
        grpc.status.PERMISSION_DENIED,
        "not-label-issuer",
      ],
      [
        "label id of another issuer",
        f.sign(cqc, S.issueLabel("CCRC-X", sampleLabel("X"))),
        grpc.status.PERMISSION_DENIED,
        "label-id-not-issuers",
      ],
      [
        "issuer signs an authority statement",
        f.sign(ccrc, S.publishCategory({ categoryId: "router", name: "Routers" })),
        grpc.status.PERMISSION_DENIED,
        "authority-only",
      ],
      [
        "transition not allowed",
        f.sign(ccrc, S.reinstateLabel({ labelId: "CCRC-REF", expectedVersion: 1 }, reason)),
        grpc.status.FAILED_PRECONDITION,
        "transition-not-allowed",
      ],
      [
        "stale version",
        f.sign(ccrc, S.suspendLabel({ labelId: "CCRC-REF", expectedVersion: 3 }, reason)),
        grpc.status.ABORTED,
        "label-version-mismatch",
      ],
      [
        "product has a live label",
        f.sign(ccrc, S.issueLabel("CCRC-DUP", sampleLabel("REFUSALS"))),
        grpc.status.ALREADY_EXISTS,
        "product-has-live-label",
      ],
      [
        "request id reused for other bytes",
        f.sign(ccrc, S.issueLabel("CCRC-REQ2", sampleLabel("REQ-2"), { requestId: "fixed-request-id" })),
        grpc.status.ALREADY_EXISTS,
        "request-id-reused",
      ],
      [
        "unknown label",
        f.sign(ccrc, S.suspendLabel({ labelId: "CCRC-NONE", expectedVersion: 1 }, reason)),
        grpc.status.NOT_FOUND,
        "label-not-found",
      ],
    ];
    const size = f.treeSize();
    const checkpoint = f.running.registry.view.checkpoint;
    for (const [what, signed, code, rule] of cases) {
      expect(await rawSubmit(client, signed), what).toEqual({ code, rule });
    }
    expect(f.treeSize()).toBe(size);
    expect(f.running.registry.view.checkpoint).toBe(checkpoint);
    // and the statement they were variations of is still accepted
    expect((await client.submit(good)).index).toBe(size);
  });

  it("a message beyond the server's size limit is refused by the transport and the server keeps serving", async () => {
    const huge = {
      statement: new Uint8Array(17 * 1024 * 1024),
      keyId: new Uint8Array(32),
      signature: new Uint8Array(64),
    };
    const r = await rawSubmit(f.client({ channelOptions: { "grpc.max_send_message_length": 64 * 1024 * 1024 } }), huge);
    expect(r.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect((await client.submitStatement(ccrc, S.issueLabel("CCRC-AFTER", sampleLabel("AFTER")))).index).toBe(
      f.treeSize() - 2,
    );
  });

  it("grpc.health.v1 Check answers SERVING for the server and for IssuanceService", async () => {
    const Health = grpc.makeGenericClientConstructor(healthService, "Health");
    const h = new Health(f.address, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
      check(req: { service: string }, cb: (e: grpc.ServiceError | null, r: { status: string }) => void): void;
    };
    const check = (service: string) =>
      new Promise<string>((res, rej) => h.check({ service }, (e, r) => (e ? rej(e) : res(r.status))));
    try {
      expect(await check("")).toBe("SERVING");
      expect(await check("labelreg.v1.IssuanceService")).toBe("SERVING");
      await expect(check("no.such.Service")).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    } finally {
      h.close();
    }
  });

  it("server reflection lists the services and describes IssuanceService", async () => {
    const def = protoLoader.loadSync(
      join(root, "node_modules/@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto"),
      { keepCase: true },
    );
    const pkg = grpc.loadPackageDefinition(def) as unknown as {
      grpc: { reflection: { v1: { ServerReflection: grpc.ServiceClientConstructor } } };
    };
    const r = new pkg.grpc.reflection.v1.ServerReflection(f.address, grpc.credentials.createInsecure());
    type Answer = {
      list_services_response?: { service: { name: string }[] };
      file_descriptor_response?: { file_descriptor_proto: Buffer[] };
    };
    const ask = (req: Record<string, string>) =>
      new Promise<Answer>((res, rej) => {
        const call = (
          r as unknown as { ServerReflectionInfo(): grpc.ClientDuplexStream<unknown, Answer> }
        ).ServerReflectionInfo();
        call.on("data", (d: Answer) => {
          res(d);
          call.end();
        });
        call.on("error", rej);
        call.write(req);
      });
    try {
      const list = await ask({ list_services: "" });
      const names = list.list_services_response!.service.map((s) => s.name);
      expect(names).toContain("labelreg.v1.IssuanceService");
      const files = await ask({ file_containing_symbol: "labelreg.v1.IssuanceService" });
      const text = Buffer.concat(files.file_descriptor_response!.file_descriptor_proto).toString("latin1");
      expect(text).toContain("SubmitBulk");
    } finally {
      r.close();
    }
  });
});
