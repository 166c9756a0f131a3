// The client SDK against a real registry over gRPC on loopback: verified receipts, typed
// refusals, idempotent retries (pool full, server away), bulk streaming, TLS, receipt files.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseVerifierKey, generateSignerKey } from "../../log/note-keys.js";
import type { Receipt, SignedStatement } from "../../proto/gen/messages/labelreg/v1/entry.js";
import { Tier } from "../../proto/gen/messages/labelreg/v1/statement.js";
import { sampleLabel, startIssuanceFixture, type IssuanceFixture } from "../../test/issuance-fixture.js";
import { startRegistry } from "../../app/server.js";
import { submitBulk, type BulkResult } from "./bulk.js";
import { RegistryClient } from "./client.js";
import { RegistryClientError } from "./errors.js";
import { verifySubmission } from "./receipt.js";
import { receiptFromJson, receiptToJson } from "./receipt-json.js";
import { StatementSigner } from "./signer.js";
import { issueLabel, labelOutcome, suspendLabel, upgradeLabel } from "./statements.js";

const reason = { code: 1, text: "nonconformity found in follow-up testing" };

describe("client SDK over gRPC", () => {
  let f: IssuanceFixture;
  let issuer: StatementSigner;
  let client: RegistryClient;
  beforeAll(async () => {
    f = await startIssuanceFixture();
    issuer = (await f.accredited("CCRC")).signer;
    client = f.client();
  });
  afterAll(() => f.close());

  it("submits, verifies the receipt, and a resend of the same bytes returns the same receipt", async () => {
    const signed = f.sign(issuer, issueLabel("CCRC-1", sampleLabel("EV-1")));
    const size = f.treeSize();
    const r = await client.submit(signed);
    expect(r.index).toBe(size);
    expect(r.checkpoint.size).toBe(size + 2); // the statement and its batch's map commitment
    expect(labelOutcome(r.statement)).toEqual({ state: "ACTIVE", version: 1n });
    const again = await client.submit(signed);
    expect(again.index).toBe(r.index);
    expect(f.treeSize()).toBe(size + 2);
  });

  it("refusals are RegistryClientError with the status name and the rule", async () => {
    const stale = f.sign(
      issuer,
      upgradeLabel(
        { labelId: "CCRC-1", expectedVersion: 7 },
        {
          tier: Tier.TIER_LEADING,
          testReport: { sha256: new Uint8Array(32).fill(9), uri: "https://lab.example/r.pdf" },
        },
      ),
    );
    const e = await client.submit(stale).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RegistryClientError);
    expect(e).toMatchObject({ code: "ABORTED", rule: "label-version-mismatch" });
    expect((e as RegistryClientError).retryable).toBe(false);
  });

  it("verifySubmission refuses a receipt that does not prove the submitted statement", async () => {
    const signed = f.sign(issuer, suspendLabel({ labelId: "CCRC-1", expectedVersion: 1 }, reason));
    const good = (await client.submit(signed)).receipt;
    const other = f.sign(issuer, issueLabel("CCRC-2", sampleLabel("EV-2")));
    const flip = (b: Uint8Array, i: number) => Uint8Array.from(b, (x, j) => (j === i ? x ^ 1 : x));
    const tampered: [string, Receipt, SignedStatement][] = [
      ["entry byte", { ...good, entry: flip(good.entry, 5) }, signed],
      [
        "proof hash",
        { ...good, inclusionProof: good.inclusionProof.map((h, i) => (i === 0 ? flip(h, 0) : h)) },
        signed,
      ],
      ["index", { ...good, index: good.index ^ 1n }, signed],
      ["checkpoint", { ...good, checkpoint: good.checkpoint.replace(/\n\d+\n/, "\n999\n") }, signed],
      ["statement", good, other],
    ];
    for (const [what, r, s] of tampered) {
      expect(() => client.verify(r, s), what).toThrow(RegistryClientError);
    }
    const wrongLog = parseVerifierKey(generateSignerKey("test.example/labelreg").verifierKey);
    expect(() => verifySubmission(good, wrongLog, signed)).toThrow(/checkpoint/);
    expect(() => client.verify(good, signed)).not.toThrow();
  });

  it("a receipt saved as proto3 JSON reads back and verifies", async () => {
    const r = await client.submit(f.sign(issuer, issueLabel("CCRC-3", sampleLabel("EV-3"))));
    const json = receiptToJson(r.receipt);
    const o = JSON.parse(json) as Record<string, unknown>;
    expect(typeof o.index).toBe("string");
    expect(o.entry).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(client.verify(receiptFromJson(json)).index).toBe(r.index);
  });

  it("bulk: every statement gets exactly one result, refusals carry rules, window bounds what is in flight", async () => {
    const signed: SignedStatement[] = [];
    for (let i = 0; i < 300; i++) {
      // every tenth reuses a product: refused with product-has-live-label
      const model = i % 10 === 9 ? "BULK-0" : `BULK-${i}`;
      signed.push(f.sign(issuer, issueLabel(`CCRC-B${i}`, sampleLabel(model))));
    }
    const results: BulkResult[] = [];
    let pulled = 0;
    function* lazily() {
      for (const s of signed) {
        pulled++;
        expect(pulled - results.length).toBeLessThanOrEqual(17);
        yield s;
      }
    }
    const summary = await submitBulk(client, lazily(), { window: 16, onResult: (r) => results.push(r) });
    expect(summary).toEqual({ submitted: 300, accepted: 270, refused: 30 });
    expect(new Set(results.map((r) => r.position)).size).toBe(300);
    for (const r of results) {
      if (r.ok) expect(r.position % 10).not.toBe(9);
      else
        expect([r.position % 10, r.error.code, r.error.rule]).toEqual([9, "ALREADY_EXISTS", "product-has-live-label"]);
    }
  });

  it("bulk: resending statements already in the log returns their original receipts", async () => {
    const signed = [0, 1, 2].map((i) => f.sign(issuer, issueLabel(`CCRC-R${i}`, sampleLabel(`RESEND-${i}`))));
    const first: BulkResult[] = [];
    await submitBulk(client, signed, { onResult: (r) => first.push(r) });
    const second: BulkResult[] = [];
    await submitBulk(client, signed, { onResult: (r) => second.push(r) });
    const idx = (rs: BulkResult[]) =>
      rs.sort((a, b) => a.position - b.position).map((r) => (r.ok ? r.receipt.index : -1));
    expect(idx(second)).toEqual(idx(first));
    expect(idx(first)).not.toContain(-1);
  });
});

describe("client retries", () => {
  it("RESOURCE_EXHAUSTED from a full pool is retried with the same bytes until accepted", async () => {
    const f = await startIssuanceFixture({ batch: { maxPending: 3, maxBatch: 1000, lingerMs: 20 } });
    try {
      const issuer = (await f.accredited("LOAD")).signer;
      const signed = Array.from({ length: 60 }, (_, i) =>
        f.sign(issuer, issueLabel(`LOAD-${i}`, sampleLabel(`LOAD-${i}`))),
      );
      const noRetry = f.client({ retry: { attempts: 1 } });
      const outcomes = await Promise.allSettled(signed.map((s) => noRetry.submit(s)));
      const exhausted = outcomes.filter((o) => o.status === "rejected");
      expect(exhausted.length).toBeGreaterThan(0);
      for (const o of exhausted)
        expect((o as PromiseRejectedResult).reason).toMatchObject({ code: "RESOURCE_EXHAUSTED" });
      const patient = f.client({ retry: { attempts: 100, initialDelayMs: 5, maxDelayMs: 50 } });
      const receipts = await Promise.all(signed.map((s) => patient.submit(s)));
      expect(new Set(receipts.map((r) => r.index)).size).toBe(60);
      expect(f.statementCount()).toBe(2 + 60);
    } finally {
      await f.close();
    }
  });

  it("UNAVAILABLE while the registry is down is retried; the submission lands once it is back", async () => {
    const f = await startIssuanceFixture();
    const issuer = (await f.accredited("AWAY")).signer;
    const address = f.address;
    const dataDir = join(f.dir, "data");
    await f.running.close();
    const client = new RegistryClient({
      address,
      logKey: f.logKey,
      retry: { attempts: 40, initialDelayMs: 100, maxDelayMs: 200 },
      deadlineMs: 2000,
    });
    try {
      const pending = client.submit(f.sign(issuer, issueLabel("AWAY-1", sampleLabel("AWAY-1"))));
      await new Promise((r) => setTimeout(r, 500));
      const again = await startRegistry({ dataDir, grpcAddress: address, origin: "test.example/labelreg" });
      try {
        const r = await pending;
        expect(r.index).toBe(4); // after two batches of one statement and a commitment each
      } finally {
        await again.close();
      }
    } finally {
      client.close();
    }
  });

  it("bulk: a stream cut by a server restart is reopened and the unanswered statements resent, each answered once", async () => {
    const f = await startIssuanceFixture();
    const issuer = (await f.accredited("BOUNCE")).signer;
    const dataDir = join(f.dir, "data");
    const client = new RegistryClient({
      address: f.address,
      logKey: f.logKey,
      retry: { attempts: 50, initialDelayMs: 50, maxDelayMs: 200 },
    });
    let again: Awaited<ReturnType<typeof startRegistry>> | undefined;
    try {
      let restarted: Promise<void> | undefined;
      function* statements() {
        for (let i = 0; i < 200; i++) {
          if (i === 80) {
            restarted = (async () => {
              f.running.grpc.server.forceShutdown();
              await f.running.registry.close();
              again = await startRegistry({ dataDir, grpcAddress: f.address, origin: "test.example/labelreg" });
            })();
          }
          yield f.sign(issuer, issueLabel(`BOUNCE-${i}`, sampleLabel(`BOUNCE-${i}`)));
        }
      }
      const results: BulkResult[] = [];
      const summary = await submitBulk(client, statements(), { window: 32, onResult: (r) => results.push(r) });
      await restarted;
      const failed = results.filter((r) => !r.ok);
      expect(failed).toEqual([]);
      expect(summary).toEqual({ submitted: 200, accepted: 200, refused: 0 });
      expect(new Set(results.map((r) => (r.ok ? r.receipt.index : -1))).size).toBe(200);
      expect((await again!.registry.view.store.state!.scanState("requestId", undefined, 1000)).rows).toHaveLength(
        2 + 200,
      );
    } finally {
      client.close();
      await again?.close();
    }
  });

  it("gives up with UNAVAILABLE after the attempts run out", async () => {
    const client = new RegistryClient({
      address: "127.0.0.1:1",
      logKey: generateSignerKey("x.example/log").verifierKey,
      retry: { attempts: 2, initialDelayMs: 1 },
      deadlineMs: 1000,
    });
    const issuer = StatementSigner.fromKeyString(generateSignerKey("ABC").signerKey);
    await expect(client.submit(client.sign(issuer, issueLabel("ABC-1", sampleLabel("X"))))).rejects.toMatchObject({
      code: "UNAVAILABLE",
    });
    client.close();
  });
});

describe("client over TLS", () => {
  it("connects with a CA file and a client certificate (mTLS), and refuses an unknown CA", async () => {
    const dir = mkdtempSync(join(tmpdir(), "labelreg-tls-"));
    const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
    for (const who of ["ca", "other-ca"])
      ssl(
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        `${who}.key`,
        "-out",
        `${who}.pem`,
        "-days",
        "2",
        "-subj",
        `/CN=${who}`,
      );
    const leaf = (name: string, ext: string) => {
      ssl(
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        `${name}.key`,
        "-out",
        `${name}.csr`,
        "-subj",
        `/CN=${name}`,
      );
      writeFileSync(join(dir, `${name}.ext`), ext);
      ssl(
        "x509",
        "-req",
        "-in",
        `${name}.csr`,
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        `${name}.pem`,
        "-days",
        "2",
        "-extfile",
        `${name}.ext`,
      );
    };
    leaf("server", "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
    leaf("client", "extendedKeyUsage=clientAuth\n");
    const f = await startIssuanceFixture({
      tls: { certFile: join(dir, "server.pem"), keyFile: join(dir, "server.key"), clientCaFile: join(dir, "ca.pem") },
    });
    try {
      const tls = { caFile: join(dir, "ca.pem"), certFile: join(dir, "client.pem"), keyFile: join(dir, "client.key") };
      const address = f.address.replace("127.0.0.1", "localhost");
      const authority = f.client({ address, tls });
      const issuerKey = f.newIssuerKey("TLSX");
      const { publishCategory } = await import("./statements.js");
      const r = await authority.submitStatement(
        f.authority,
        publishCategory({ categoryId: "smart-lock", name: "Smart locks" }),
      );
      expect(r.index).toBe(0);
      expect(issuerKey.signer.keyId.length).toBe(32);
      const stranger = f.client({
        address,
        tls: { caFile: join(dir, "other-ca.pem"), certFile: join(dir, "client.pem"), keyFile: join(dir, "client.key") },
        retry: { attempts: 1 },
      });
      await expect(
        stranger.submitStatement(f.authority, publishCategory({ categoryId: "router", name: "Routers" })),
      ).rejects.toMatchObject({ code: "UNAVAILABLE" });
      const noCert = f.client({ address, tls: { caFile: join(dir, "ca.pem") }, retry: { attempts: 1 } });
      await expect(
        noCert.submitStatement(f.authority, publishCategory({ categoryId: "router", name: "Routers" })),
      ).rejects.toMatchObject({ code: "UNAVAILABLE" });
      expect(f.treeSize()).toBe(2);
    } finally {
      await f.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
