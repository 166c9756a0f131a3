// The standalone gateway (`labelreg gateway --registry`): label pages, label images and the JSON
// API read through a registry's VerificationService over real gRPC equal what the gateway inside
// the registry serves; a bundle that does not verify under the pinned keys is never shown.

import { credentials } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signStatement, statement, T0, testKey } from "../test/domain-testkit.js";
import { silentLogger } from "./ops/log.js";
import type { RunningGateway } from "./server.js";
import { startStandaloneGateway } from "./standalone.js";
import { verifyEvidence } from "../services/verify/tender-evidence.js";
import { resolveTrust } from "../services/verify/trust.js";
import { startTestRegistry, TEST_CLOCK_SKEW_SECONDS, type TestRegistry } from "../test/gateway/grpc-registry.js";
import { authority, seedLabels } from "../test/gateway/registry-fixture.js";

const PUBLIC = "https://labels.example.test";
let reg: TestRegistry;
let standalone: RunningGateway;
let wrongKey: RunningGateway;

beforeAll(async () => {
  reg = await startTestRegistry(PUBLIC);
  await seedLabels(reg.registry);
  const common = {
    registry: reg.grpc.address,
    credentials: credentials.createInsecure(),
    address: "127.0.0.1:0",
    publicBaseUrl: PUBLIC,
    logger: silentLogger,
    checkpointTtlMs: 0,
  };
  // The standalone gateway replays bundles under the registry's rules, so it is told the same skew.
  const trust = { logVerifierKey: reg.logVerifierKey, clockSkewSeconds: TEST_CLOCK_SKEW_SECONDS };
  standalone = await startStandaloneGateway({
    ...common,
    trust: { ...trust, authorityPublicKey: authority.publicKey },
  });
  wrongKey = await startStandaloneGateway({ ...common, trust: { ...trust, authorityPublicKey: testKey(9).publicKey } });
});
afterAll(async () => {
  await standalone?.close();
  await wrongKey?.close();
  await reg?.dispose();
});

async function both(path: string, init: RequestInit = {}): Promise<[Response, string, Response, string]> {
  const a = await fetch(`${standalone.url}${path}`, init);
  const b = await fetch(`${reg.http!.url}${path}`, init);
  return [a, await a.text(), b, await b.text()];
}

describe("standalone gateway over the registry's VerificationService", () => {
  it("checks a tender list as the gateway inside the registry does, with evidence that verifies", async () => {
    const init = {
      method: "POST",
      headers: { "content-type": "text/csv" },
      body: "label_id,registration_code,model\nCCRC-1,,\nCCRC-2,,\nCCRC-404,,\n,91330100MA2AXXXX1X,EV-C200\n",
    };
    const [a, at, b, bt] = await both("/api/v1/tender:check?minTier=2&validThrough=2027-06-30", init);
    expect([a.status, b.status]).toEqual([200, 200]);
    const trust = resolveTrust({
      logKey: reg.logVerifierKey,
      authorityPublicKey: authority.publicKey,
      clockSkewSeconds: TEST_CLOCK_SKEW_SECONDS,
    });
    const [ca, cb] = [verifyEvidence(at, trust), verifyEvidence(bt, trust)];
    expect(ca.problems).toEqual([]);
    expect(ca.rows.map((r) => r.outcome)).toEqual(cb.rows.map((r) => r.outcome));
    expect(ca.rows.map((r) => r.outcome)).toContain("revoked");
    expect(ca.rows[2]!.outcome).toBe("no-label");
  });

  it("serves the same label pages, in both languages, as the gateway inside the registry", async () => {
    for (const id of ["CCRC-1", "CCRC-2"]) {
      for (const lang of ["en", "zh-CN"]) {
        const [a, at, b, bt] = await both(`/l/${id}`, { headers: { "accept-language": lang } });
        expect(a.status, `${id} ${lang}`).toBe(200);
        expect(b.status).toBe(200);
        expect(at, `${id} ${lang}`).toBe(bt);
        for (const h of ["content-type", "content-language", "cache-control", "content-security-policy"])
          expect(a.headers.get(h), h).toBe(b.headers.get(h));
      }
    }
    const [, page] = await both("/l/CCRC-2?lang=en");
    expect(page).toMatch(/[Rr]evoked/);
    expect(page).toContain("EV-C300");
  });

  it("serves the same QR codes and printable label", async () => {
    for (const r of ["qr.svg", "label.svg", "qr.png"]) {
      const a = await fetch(`${standalone.url}/l/CCRC-1/${r}`);
      const b = await fetch(`${reg.http!.url}/l/CCRC-1/${r}`);
      expect(a.status, r).toBe(200);
      expect(a.headers.get("content-type"), r).toBe(b.headers.get("content-type"));
      expect(Buffer.from(await a.arrayBuffer()).equals(Buffer.from(await b.arrayBuffer())), r).toBe(true);
    }
  });

  it("answers an unknown label as the registry's gateway does", async () => {
    for (const path of ["/l/CCRC-404", "/l/CCRC-404/qr.svg", "/api/v1/labels/CCRC-404"]) {
      const [a, at, b, bt] = await both(path);
      expect(a.status, path).toBe(404);
      expect(b.status, path).toBe(404);
      expect(at, path).toBe(bt);
    }
  });

  it("serves the same JSON API answers", async () => {
    const paths = [
      "/api/v1/labels/CCRC-1",
      "/api/v1/labels/CCRC-2",
      "/api/v1/products/91110000000000000X/EV-C200",
      "/api/v1/issuers",
      "/api/v1/issuers/CCRC",
      "/api/v1/issuers/NOPE",
      "/api/v1/products/91330100MA2AXXXX1X/EV-C300",
      "/api/v1/manufacturers/91330100MA2AXXXX1X/products",
      "/api/v1/manufacturers/91330100MA2AXXXX1X/products?offset=1&limit=1",
      "/api/v1/manufacturers/91110000000000000X/products",
      "/api/v1/manufacturers/91330100MA2AXXXX1X/products?limit=4294967296",
      "/api/v1/catalogue",
      "/api/v1/log/checkpoint",
      "/api/v1/log/inclusion?index=2",
      "/api/v1/log/consistency?firstSize=2",
      "/api/v1/log/consistency?firstSize=x",
    ];
    for (const path of paths) {
      const [a, at, b, bt] = await both(path);
      expect(a.status, path).toBe(b.status);
      expect(a.headers.get("content-type"), path).toBe(b.headers.get("content-type"));
      expect(JSON.parse(at), path).toEqual(JSON.parse(bt));
    }
    const [a, at] = await both("/api/v1/labels/CCRC-1");
    expect(a.status).toBe(200);
    expect(JSON.parse(at).label.labelId).toBe("CCRC-1");
  });

  it("streams the same bulk verification", async () => {
    const init = {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ labelIds: ["CCRC-1", "CCRC-404", "CCRC-2"], compact: true }),
    };
    const [a, at, b, bt] = await both("/api/v1/labels:verify", init);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(at.trim().split("\n").length).toBeGreaterThanOrEqual(4);
    expect(at).toBe(bt);
  });

  it("streams the change feed as server-sent events", async () => {
    const abort = new AbortController();
    const res = await fetch(`${standalone.url}/api/v1/labels:watch?fromIndex=0&labelIds=CCRC-2`, {
      signal: abort.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const reader = res.body!.getReader();
    let text = "";
    while (!text.includes("labelRevoked") && !text.includes("LABEL_EVENT_KIND_REVOKED")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    abort.abort();
    expect(text).toContain("event: label");
    expect(text).toMatch(/CCRC-2/);
  });

  it("refuses to show a label whose bundle does not verify under its pinned keys", async () => {
    const res = await fetch(`${wrongKey.url}/l/CCRC-1`);
    expect(res.status).toBe(502); // Bad Gateway: the upstream answer is not one to show
    const text = await res.text();
    expect(text).toContain("does not verify under this gateway's pinned keys");
    expect(text).not.toContain("EV-C200");
  });

  it("publishes the registry's witnessed checkpoint while the latest awaits its cosignatures, naming the pending size, as the registry's own gateway does", async () => {
    const view = reg.registry.view;
    const older = { tree: view.tree, checkpoint: view.checkpoint };
    const category = statement({
      $case: "categoryPublished",
      value: { categoryId: "smart-lock", name: "Smart locks", description: "" },
    });
    await reg.registry.submit(
      signStatement(authority, { ...category, signedAtUnix: T0, logOrigin: reg.registry.origin }),
    );
    expect(view.size).toBeGreaterThan(older.tree.size);
    // What the witnessing component records during an outage: the newest checkpoint that met the policy.
    view.witnessed = older;
    try {
      const [a, at, b, bt] = await both("/checkpoint");
      expect(at).toBe(older.checkpoint);
      expect(bt).toBe(older.checkpoint);
      expect(a.headers.get("labelreg-pending-checkpoint-size")).toBe(String(view.size));
      expect(b.headers.get("labelreg-pending-checkpoint-size")).toBe(String(view.size));
      const [, aj, , bj] = await both("/api/v1/log/checkpoint");
      expect(JSON.parse(aj)).toMatchObject({
        witnessedCheckpoint: older.checkpoint,
        witnessedTreeSize: String(older.tree.size),
        treeSize: String(view.size),
      });
      expect(aj).toBe(bj);
    } finally {
      view.witnessed = undefined;
    }
    const [a, at] = await both("/checkpoint");
    expect(at).toBe(view.checkpoint);
    expect(a.headers.get("labelreg-pending-checkpoint-size")).toBeNull();
  });
});
