// Fuzz of IssuanceService.Submit over the wire: arbitrary bytes as the request message, sent
// with a raw client whose serializers pass bytes through. The answer is always
// INVALID_ARGUMENT with a rule (never INTERNAL, never a crash), nothing is written, and the
// server keeps serving.
import * as grpc from "@grpc/grpc-js";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SignedStatement } from "../proto/gen/messages/labelreg/v1/entry.js";
import { SubmitRequest } from "../proto/gen/messages/labelreg/v1/issuance_service.js";
import { Statement } from "../proto/gen/messages/labelreg/v1/statement.js";
import type { StatementSigner } from "../services/client/signer.js";
import * as S from "../services/client/statements.js";
import { sampleLabel, startIssuanceFixture, type IssuanceFixture } from "./issuance-fixture.js";

const identity = (b: Buffer) => b;

describe("Submit fuzzed with arbitrary request bytes", () => {
  let f: IssuanceFixture;
  let raw: grpc.Client;
  let issuer: StatementSigner;
  beforeAll(async () => {
    f = await startIssuanceFixture();
    issuer = (await f.accredited("FUZZ")).signer;
    raw = new grpc.Client(f.address, grpc.credentials.createInsecure());
  });
  afterAll(async () => {
    raw.close();
    await f.close();
  });

  const send = (bytes: Uint8Array) =>
    new Promise<{ code: grpc.status; rule: unknown }>((res) =>
      raw.makeUnaryRequest("/labelreg.v1.IssuanceService/Submit", identity, identity, Buffer.from(bytes), (err) =>
        res(
          err
            ? { code: err.code, rule: err.metadata.get("labelreg-rule")[0] }
            : { code: grpc.status.OK, rule: undefined },
        ),
      ),
    );

  // Request bytes of three shapes: anything; a SubmitRequest around arbitrary statement bytes;
  // a real signed statement with a few bytes changed (well-formed enough to reach the rules).
  const validStatement = () =>
    Statement.encode(
      S.issueLabel("FUZZ-1", sampleLabel("FUZZ-MODEL"), { requestId: "fuzz", signedAtUnix: S.nowUnix() }),
    ).finish();
  const requestBytes = fc.oneof(
    fc.uint8Array({ maxLength: 512 }),
    fc
      .record({
        statement: fc.uint8Array({ maxLength: 300 }),
        keyId: fc.uint8Array({ maxLength: 40 }),
        signature: fc.uint8Array({ maxLength: 70 }),
      })
      .map((s) => SubmitRequest.encode({ signedStatement: SignedStatement.fromPartial(s) }).finish()),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }).map((flips) => {
      const signed = f.sign(issuer, Statement.decode(validStatement()));
      const bytes = SubmitRequest.encode({ signedStatement: signed }).finish();
      // Flip bytes in the framing and statement only (the first 40): a flip in the signature
      // would just be a bad signature, UNAUTHENTICATED, a different and correct answer.
      const original = bytes.slice();
      for (const [at, x] of flips) bytes[at % 40]! ^= x;
      if (bytes.every((b, i) => b === original[i])) bytes[10]! ^= 1; // flips that cancel out
      return bytes;
    }),
  );

  it("always INVALID_ARGUMENT with a rule; nothing written; still serving", async () => {
    const size = f.treeSize();
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(requestBytes, async (bytes) => {
        const r = await send(bytes);
        seen.set(String(r.rule), (seen.get(String(r.rule)) ?? 0) + 1);
        // A flipped byte can, rarely, leave a still-valid statement with another meaning: the
        // signature then fails (UNAUTHENTICATED). Anything else must be INVALID_ARGUMENT.
        if (r.code === grpc.status.UNAUTHENTICATED) expect(r.rule).toBe("bad-signature");
        else expect(r).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, rule: expect.stringMatching(/^[a-z-]+$/) });
      }),
      { numRuns: 600 },
    );
    expect(f.treeSize()).toBe(size);
    // several distinct rules were reached, not one early exit
    expect(seen.size).toBeGreaterThanOrEqual(4);
    const ok = await f.client().submitStatement(issuer, S.issueLabel("FUZZ-2", sampleLabel("AFTER-FUZZ")));
    expect(ok.index).toBe(size);
  });

  it("empty, truncated and huge-length-prefix requests", async () => {
    const good = SubmitRequest.encode({
      signedStatement: f.sign(issuer, S.issueLabel("FUZZ-3", sampleLabel("T"))),
    }).finish();
    for (const bytes of [
      new Uint8Array(0),
      good.subarray(0, good.length - 1),
      good.subarray(0, 3),
      Uint8Array.of(0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f),
    ]) {
      const r = await send(bytes);
      expect(r.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(typeof r.rule).toBe("string");
    }
  });
});
