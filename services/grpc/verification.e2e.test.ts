// VerificationService end to end over real gRPC on loopback, on a SQLite data directory: a
// platform watches the feed while the issuer revokes; the feed resumes across a client
// reconnect and a server restart without gap or duplicate; bad input gets precise statuses.
import * as grpc from "@grpc/grpc-js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IssuanceServiceClient, VerificationServiceClient } from "./clients.js";
import {
  LabelEventKind,
  LabelStatus,
  type GetLabelResponse,
  type VerifyLabelsResponse,
  type WatchLabelsRequest,
  type WatchLabelsResponse,
} from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { readSignerKeyFile } from "../config/key-files.js";
import { nodeEd25519 } from "../crypto/ed25519-node.js";
import { publicKeyOfVerifierKey } from "../config/key-files.js";
import { startRegistry, type RunningRegistry } from "../../app/server.js";
import { CompactBundles } from "../verify/compact.js";
import { verifyLabelBundle } from "../verify/bundle.js";
import { verifyLabelAbsence } from "../verify/completeness.js";
import { ABSENCE_METADATA_KEY } from "../client/errors.js";
import { LabelBundle as LabelBundleMessage } from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import type { TrustConfig } from "../verify/trust.js";
import {
  categoryPublished,
  issuerAccredited,
  issuerKey,
  labelChange,
  labelIssued,
  sign,
  type RawSigner,
} from "../../test/statement-kit.js";
import type { Statement } from "../../proto/gen/messages/labelreg/v1/statement.js";
import { decodeLogEntry, isCommitment } from "../domain/decode.js";
import { isViolation } from "../domain/violation.js";

let dir: string;
let running: RunningRegistry;
let authority: RawSigner;
let trust: TrustConfig;
const issuer = issuerKey(4242);
let n = 0;
const rid = () => `e2e-${Date.now()}-${++n}`;

async function start(): Promise<void> {
  running = await startRegistry({
    dataDir: join(dir, "data"),
    grpcAddress: "127.0.0.1:0",
    origin: "test.example/verify",
    batch: { lingerMs: 1 },
  });
}

function clients() {
  const creds = grpc.credentials.createInsecure();
  return {
    issuance: new IssuanceServiceClient(running.grpc.address, creds),
    verification: new VerificationServiceClient(running.grpc.address, creds),
  };
}

function submit(key: RawSigner, s: Statement): Promise<void> {
  const c = clients().issuance;
  return new Promise((res, rej) =>
    c.submit({ signedStatement: sign(key, s, running.registry.origin) }, (err) => (c.close(), err ? rej(err) : res())),
  );
}

function getLabel(labelId: string): Promise<GetLabelResponse> {
  const c = clients().verification;
  return new Promise((res, rej) => c.getLabel({ labelId }, (err, r) => (c.close(), err ? rej(err) : res(r!))));
}

function status(p: Promise<unknown>): Promise<grpc.ServiceError> {
  return p.then(
    () => {
      throw new Error("expected an error");
    },
    (e: grpc.ServiceError) => e,
  );
}

/** Watches until `until` says stop; returns what was seen. */
function watch(
  req: Partial<WatchLabelsRequest>,
  until: (seen: WatchLabelsResponse[]) => boolean,
): Promise<WatchLabelsResponse[]> {
  const c = clients().verification;
  const seen: WatchLabelsResponse[] = [];
  return new Promise((res, rej) => {
    const call = c.watchLabels({
      fromIndex: 0n,
      labelIds: [],
      issuerIds: [],
      categoryIds: [],
      eventKinds: [],
      manufacturerCodes: [],
      ...req,
    });
    call.on("data", (m: WatchLabelsResponse) => {
      seen.push(m);
      if (until(seen)) {
        call.cancel();
        c.close();
        res(seen);
      }
    });
    call.on("error", (e: grpc.ServiceError) => {
      if (e.code !== grpc.status.CANCELLED) rej(e);
    });
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "labelreg-verify-"));
  await start();
  authority = readSignerKeyFile(running.devAuthorityKeyFile!);
  trust = {
    logKey: running.logVerifierKey,
    authorityPublicKey: publicKeyOfVerifierKey(running.authorityVerifierKey),
    ed25519: nodeEd25519,
  };
  await submit(authority, categoryPublished(rid()));
  await submit(authority, issuerAccredited(rid(), "PLAT", issuer));
  for (let i = 1; i <= 5; i++) await submit(issuer, labelIssued(rid(), "PLAT", String(i)));
}, 30_000);

afterAll(async () => {
  await running?.close();
  rmSync(dir, { recursive: true, force: true });
});

const events = (seen: WatchLabelsResponse[]) =>
  seen.flatMap((m) => (m.message?.$case === "event" ? [m.message.value] : []));

describe("VerificationService over gRPC", () => {
  it("a platform watching the feed sees the issuer's revocation; GetLabel reports revoked with a bundle that verifies", async () => {
    const before = await getLabel("PLAT-1");
    expect(before.label!.status).toBe(LabelStatus.LABEL_STATUS_ACTIVE);
    expect(verifyLabelBundle(before.bundle!, trust).status).toBe("valid");
    const from = BigInt(running.registry.view.size);
    const seen = watch(
      { fromIndex: from, eventKinds: [LabelEventKind.LABEL_EVENT_KIND_REVOKED] },
      (s) => events(s).length > 0,
    );
    await new Promise((r) => setTimeout(r, 50));
    await submit(issuer, labelChange(rid(), "PLAT-1", 1n, "revoke"));
    const [ev] = events(await seen);
    expect(ev).toMatchObject({
      labelId: "PLAT-1",
      kind: LabelEventKind.LABEL_EVENT_KIND_REVOKED,
      issuerId: "PLAT",
      byAuthority: false,
    });
    const after = await getLabel("PLAT-1");
    expect(after.label!.status).toBe(LabelStatus.LABEL_STATUS_REVOKED);
    const v = verifyLabelBundle(after.bundle!, trust, { expectedLabelId: "PLAT-1" });
    expect(v.status).toBe("revoked");
    expect(v.asOf!.size).toBeGreaterThan(Number(ev!.index));
  });

  it("the feed resumes across a client reconnect and a server restart without a gap or a duplicate", async () => {
    const filter = { issuerIds: ["PLAT"] };
    // First connection: read everything there is, remember where we are.
    const first = await watch(filter, (s) => s.some((m) => m.message?.$case === "progress"));
    const resumeAt = first[first.length - 1]!.nextIndex;
    // While nobody watches: two changes, then the server restarts, then one more change.
    await submit(issuer, labelChange(rid(), "PLAT-2", 1n, "suspend"));
    await submit(issuer, labelChange(rid(), "PLAT-3", 1n, "upgrade", 3));
    await running.close();
    await start();
    await submit(issuer, labelChange(rid(), "PLAT-2", 2n, "reinstate"));
    const second = await watch({ ...filter, fromIndex: resumeAt }, (s) => events(s).length >= 3);
    const all = [...events(first), ...events(second)];
    const indices = all.map((e) => Number(e.index));
    expect(new Set(indices).size).toBe(indices.length); // no duplicate
    // No gap: every entry about a PLAT label in the log appears, in order.
    const view = running.registry.view;
    const expected: number[] = [];
    (await view.store.readEntries(0, view.size)).forEach((bytes, index) => {
      const d = decodeLogEntry(bytes);
      if (isViolation(d) || isCommitment(d)) return;
      if (d.statement.kind?.$case.startsWith("label") && d.statement.labelId.startsWith("PLAT-")) expected.push(index);
    });
    expect(indices).toEqual(expected);
    expect(events(second).map((e) => e.kind)).toEqual([
      LabelEventKind.LABEL_EVENT_KIND_SUSPENDED,
      LabelEventKind.LABEL_EVENT_KIND_UPGRADED,
      LabelEventKind.LABEL_EVENT_KIND_REINSTATED,
    ]);
  });

  it("VerifyLabels: compact bulk over one checkpoint; unknown ids answered in place", async () => {
    const c = clients().verification;
    const call = c.verifyLabels();
    const got: VerifyLabelsResponse[] = [];
    const done = new Promise<void>((res, rej) => {
      call.on("data", (m: VerifyLabelsResponse) => got.push(m));
      call.on("end", res);
      call.on("error", rej);
    });
    call.write({ labelIds: ["PLAT-1", "PLAT-2"], compact: true });
    call.write({ labelIds: ["PLAT-404", "bad id", "PLAT-3"], compact: true });
    call.end();
    await done;
    c.close();
    const compact = new CompactBundles();
    const out: string[] = [];
    for (const m of got) {
      const r = compact.accept(m);
      if (r?.result?.$case === "label")
        out.push(verifyLabelBundle(compact.expand(r.result.value.bundle!), trust).status);
      if (r?.result?.$case === "error") out.push(`${r.result.value.code}:${r.result.value.rule}`);
    }
    expect(got[0]!.message?.$case).toBe("snapshot");
    expect(out).toEqual([
      "revoked",
      "valid",
      `${grpc.status.NOT_FOUND}:label-not-found`,
      `${grpc.status.INVALID_ARGUMENT}:malformed-id`,
      "valid",
    ]);
  });

  it("bad input: NOT_FOUND, INVALID_ARGUMENT with the limit named", async () => {
    const missing = await status(getLabel("PLAT-999"));
    expect(missing.code).toBe(grpc.status.NOT_FOUND);
    // with the proof that no such label exists as of the checkpoint, in the trailers
    const absence = missing.metadata.get(ABSENCE_METADATA_KEY)[0] as Buffer;
    expect(verifyLabelAbsence(LabelBundleMessage.decode(absence), trust)).toMatchObject({
      labelId: "PLAT-999",
      absent: true,
    });
    expect((await status(getLabel("not a label"))).code).toBe(grpc.status.INVALID_ARGUMENT);
    const c = clients().verification;
    const lookup = await status(
      new Promise((res, rej) =>
        c.lookupProduct({ registrationCode: "91330100MAPLAT", productModel: "nothing" }, (e, r) =>
          e ? rej(e) : res(r),
        ),
      ),
    );
    expect(lookup.code).toBe(grpc.status.NOT_FOUND);
    const issuerErr = await status(
      new Promise((res, rej) => c.getIssuer({ issuerId: "NOPE" }, (e, r) => (e ? rej(e) : res(r)))),
    );
    expect(issuerErr.code).toBe(grpc.status.NOT_FOUND);
    const tooMany = await status(
      watch({ labelIds: Array.from({ length: 10_001 }, (_, i) => `PLAT-${i}`) }, () => true),
    );
    expect(tooMany.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(tooMany.details).toContain("10000");
    const beyond = await status(watch({ fromIndex: 1n << 40n }, () => true));
    expect(beyond.code).toBe(grpc.status.INVALID_ARGUMENT);
    const badKind = await status(watch({ eventKinds: [99 as LabelEventKind] }, () => true));
    expect(badKind.details).toContain("1..7");
    const bulk = c.verifyLabels();
    const bulkErr = new Promise<grpc.ServiceError>((res) => {
      bulk.on("data", () => undefined);
      bulk.on("error", res);
    });
    bulk.write({ labelIds: Array.from({ length: 100_001 }, (_, i) => `PLAT-${i}`), compact: true });
    bulk.end();
    const e = await bulkErr;
    expect(e.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(e.details).toContain("100000");
    c.close();
  });

  it("issuers, catalogue and products name their checkpoint", async () => {
    const c = clients().verification;
    const call = <T>(f: (cb: (e: grpc.ServiceError | null, r?: T) => void) => void) =>
      new Promise<T>((res, rej) => f((e, r) => (e ? rej(e) : res(r!))));
    const iss = await call<import("../../proto/gen/messages/labelreg/v1/verification_service.js").GetIssuerResponse>(
      (cb) => c.getIssuer({ issuerId: "PLAT" }, cb),
    );
    expect(iss.issuer!.keys.length).toBe(1);
    expect(iss.entries.length).toBe(2); // accreditation and its category
    expect(iss.checkpoint).not.toBe("");
    const list = await call<import("../../proto/gen/messages/labelreg/v1/verification_service.js").ListIssuersResponse>(
      (cb) => c.listIssuers({}, cb),
    );
    expect(list.issuers.map((i) => i.issuerId)).toEqual(["PLAT"]);
    const cat = await call<
      import("../../proto/gen/messages/labelreg/v1/verification_service.js").ListCatalogueResponse
    >((cb) => c.listCatalogue({}, cb));
    expect(cat.categories.map((x) => x.categoryId)).toEqual(["consumer-network-camera"]);
    const prod = await call<
      import("../../proto/gen/messages/labelreg/v1/verification_service.js").LookupProductResponse
    >((cb) => c.lookupProduct({ registrationCode: "91330100MAPLAT", productModel: "m1" }, cb));
    expect(prod.labels.map((l) => l.labelId)).toEqual(["PLAT-1"]);
    expect(prod.liveLabelId).toBe("");
    c.close();
  });
});
