// The gateway inside a real registry, over HTTP on loopback: label pages and images, the JSON
// API (bundles that verify with the platform verifier, status codes, bulk NDJSON, the SSE change
// feed), metrics, and a fuzz of the whole router through the socket (never a 500).

import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GetLabelResponse, VerifyLabelsResponse } from "../proto/gen/messages/labelreg/v1/verification_service.js";
import { reason, statement } from "../test/domain-testkit.js";
import { verifyLabelBundle } from "../services/verify/bundle.js";
import { authority, fixtureLogSigner, openFixture, type Fixture } from "../test/gateway/registry-fixture.js";

let fx: Fixture;
beforeAll(async () => {
  fx = await openFixture();
});
afterAll(async () => {
  await fx?.close();
});

const get = (path: string, init?: RequestInit) => fetch(`${fx.gw.url}${path}`, init);
const trust = () => ({ logKey: fixtureLogSigner.verifierKey, authorityPublicKey: authority.publicKey });

describe("label pages", () => {
  it("renders a label in the language Accept-Language asks for, with Vary, Content-Language and a CSP", async () => {
    const zh = await get("/l/CCRC-1");
    expect(zh.status).toBe(200);
    expect(zh.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(zh.headers.get("content-language")).toBe("zh-CN");
    expect(zh.headers.get("vary")).toBe("Accept-Language");
    expect(zh.headers.get("content-security-policy")).toContain("script-src 'self'");
    const html = await zh.text();
    expect(html).toContain("EV-C200");
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toMatch(/<script type="module" src="\/assets\/verifier-[0-9a-f]{12}\.js">/);
    const en = await get("/l/CCRC-1", { headers: { "accept-language": "en-GB,en;q=0.9" } });
    expect(en.headers.get("content-language")).toBe("en");
    expect(await en.text()).toContain("China Cybersecurity Review Certification");
    const forced = await get("/l/CCRC-1?lang=zh-CN", { headers: { "accept-language": "en" } });
    expect(forced.headers.get("content-language")).toBe("zh-CN");
  });

  it("shows a revoked label as revoked, with the reason from the log", async () => {
    const html = await (await get("/l/CCRC-2?lang=en")).text();
    expect(html).toContain('class="status s-revoked"');
    expect(html).toContain("unfixed remote-code-execution vulnerability");
  });

  it("answers 404 pages for unknown labels and 400 pages for malformed ids", async () => {
    const missing = await get("/l/CCRC-999", { headers: { "accept-language": "en" } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await missing.text()).toContain("may be counterfeit");
    const bad = await get("/l/not%20a%20label");
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("标识编号格式不正确");
    expect((await get("/l/CCRC-999/qr.svg")).status).toBe(404);
  });

  it("serves the QR code (SVG, PNG) of the public URL and the printable label", async () => {
    const svg = await get("/l/CCRC-1/qr.svg");
    expect(svg.headers.get("content-type")).toBe("image/svg+xml");
    expect(await svg.text()).toContain("<title>https://labels.example.test/l/CCRC-1</title>");
    const png = await get("/l/CCRC-1/qr.png");
    expect(png.headers.get("content-type")).toBe("image/png");
    expect([...new Uint8Array(await png.arrayBuffer()).subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    const labelReply = await get("/l/CCRC-1/label.svg");
    const label = await labelReply.text();
    expect(label).toContain("CCRC-1");
    // An active label prints plain; the public URL is configured, so no warning either.
    expect(label).not.toContain("status-band");
    expect(label).not.toContain("--public-url");
    expect(labelReply.headers.get("warning")).toBeNull();
  });

  it("prints a revoked label marked REVOKED across its stars, in both languages", async () => {
    const label = await (await get("/l/CCRC-2/label.svg")).text();
    expect(label).toMatch(/<g class="status-band"[^>]*>.*>已撤销 · REVOKED<\/text><\/g>/);
  });

  it("the home page looks a label up: a number as people type it redirects to its page; anything else says why", async () => {
    const home = await get("/", { headers: { "accept-language": "en" } });
    expect(home.status).toBe(200);
    expect(home.headers.get("content-security-policy")).toContain("form-action 'self'");
    const html = await home.text();
    expect(html).toContain('<form class="lookup" action="/l" method="get">');
    expect(html).toContain('<input type="hidden" name="lang" value="en">');
    const found = await get("/l?id=+ccrc-1+&lang=en", { redirect: "manual" });
    expect(found.status).toBe(303);
    expect(found.headers.get("location")).toBe("/l/CCRC-1?lang=en");
    const bad = await get("/l?id=%3Cb%3Enot+one&lang=zh-CN", { redirect: "manual" });
    expect(bad.status).toBe(400);
    const page = await bad.text();
    expect(page).toContain("“&lt;b&gt;not one”不是有效的标识编号");
    expect(page).not.toContain("<b>");
  });

  it("the 404 and 400 pages switch language like label pages", async () => {
    const missing = await (await get("/l/CCRC-999?lang=en")).text();
    expect(missing).toContain('<a class="lang" href="?lang=zh-CN"');
    expect(missing).toContain("No such label");
    const bad = await get("/l/not%20a%20label?lang=en");
    expect(bad.status).toBe(400);
    const html = await bad.text();
    expect(html).toContain("Not a label number");
    expect(html).toContain('<a class="lang" href="?lang=zh-CN"');
  });

  it("serves the verifier module, gzip-compressed when accepted", async () => {
    const html = await (await get("/l/CCRC-1")).text();
    const src = /src="(\/assets\/verifier-[0-9a-f]+\.js)"/.exec(html)![1]!;
    const js = await get(src);
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(js.headers.get("cache-control")).toContain("immutable");
    expect(js.headers.get("content-encoding")).toBe("gzip");
  });
});

describe("JSON API", () => {
  it("GET /api/v1/labels/{id}: the proto3 JSON of GetLabel, whose bundle verifies", async () => {
    const r = await get("/api/v1/labels/CCRC-1");
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("application/json");
    const json = (await r.json()) as { label: { status: string; tier: string } };
    expect(json.label.status).toBe("LABEL_STATUS_ACTIVE");
    const res = GetLabelResponse.fromJSON(json);
    const v = verifyLabelBundle(res.bundle!, trust(), { nowUnix: 1_800_000_100n });
    expect(v.status).toBe("valid");
    expect(v.label?.tier).toBe(3);
    const revoked = verifyLabelBundle(
      GetLabelResponse.fromJSON(await (await get("/api/v1/labels/CCRC-2")).json()).bundle!,
      trust(),
    );
    expect(revoked.status).toBe("revoked");
  });

  it("maps read errors to HTTP statuses with a google.rpc.Status-like body", async () => {
    const nf = await get("/api/v1/labels/CCRC-404");
    expect(nf.status).toBe(404);
    expect(await nf.json()).toMatchObject({ code: 5, status: "NOT_FOUND" });
    const bad = await get("/api/v1/labels/lower-case");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 3, status: "INVALID_ARGUMENT", rule: "malformed-id" });
    expect((await get("/api/v1/log/inclusion?index=99999")).status).toBe(400);
    expect((await get("/api/v1/log/inclusion?index=x")).status).toBe(400);
    expect((await get("/api/v1/nothing")).status).toBe(404);
  });

  it("product lookup, issuers, catalogue and log proofs", async () => {
    const p = (await (await get("/api/v1/products/91330100MA2AXXXX1X/EV-C300")).json()) as {
      labels: unknown[];
      liveLabelId: string;
    };
    expect(p.labels).toHaveLength(1);
    expect(p.liveLabelId).toBeUndefined(); // proto3 JSON omits default values
    expect(((await (await get("/api/v1/issuers")).json()) as { issuers: unknown[] }).issuers).toHaveLength(1);
    expect((await get("/api/v1/issuers/CCRC")).status).toBe(200);
    expect(((await (await get("/api/v1/catalogue")).json()) as { categories: unknown[] }).categories).toHaveLength(1);
    const cp = (await (await get("/api/v1/log/checkpoint")).json()) as { treeSize: string; checkpoint: string };
    expect(cp.treeSize).toBe(String(fx.registry.view.size));
    const inc = (await (await get("/api/v1/log/inclusion?index=2")).json()) as { proof: string[]; checkpoint: string };
    expect(inc.proof.length).toBeGreaterThan(0);
    expect(inc.checkpoint).toBe(cp.checkpoint);
    expect((await get("/api/v1/log/consistency?firstSize=3")).status).toBe(200);
  });

  it("POST /api/v1/labels:verify answers NDJSON, one VerifyLabelsResponse per line", async () => {
    const r = await get("/api/v1/labels:verify", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ labelIds: ["CCRC-1", "CCRC-2", "CCRC-77"] }),
    });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("application/x-ndjson");
    const lines = (await r.text())
      .trim()
      .split("\n")
      .map((l) => VerifyLabelsResponse.fromJSON(JSON.parse(l)));
    expect(lines[0]!.message?.$case).toBe("snapshot");
    const results = lines.flatMap((l) => (l.message?.$case === "result" ? [l.message.value] : []));
    expect(results.map((x) => [x.labelId, x.result?.$case])).toEqual([
      ["CCRC-1", "label"],
      ["CCRC-2", "label"],
      ["CCRC-77", "error"],
    ]);
    expect(
      (
        await get("/api/v1/labels:verify", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: "{",
        })
      ).status,
    ).toBe(400);
    expect(
      (await get("/api/v1/labels:verify", { method: "POST", headers: { "content-type": "text/plain" }, body: "{}" }))
        .status,
    ).toBe(400);
    const tooBig = await get("/api/v1/labels:verify", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ labelIds: Array(200_000).fill("CCRC-1") }),
    });
    expect(tooBig.status).toBe(413);
  });

  it("the SSE change feed delivers a revocation as it is sequenced, and resumes from Last-Event-ID", async () => {
    const ctrl = new AbortController();
    const r = await get("/api/v1/labels:watch?labelIds=CCRC-3&fromIndex=0", { signal: ctrl.signal });
    expect(r.headers.get("content-type")).toBe("text/event-stream");
    const reader = r.body!.getReader();
    const seen: string[] = [];
    const readUntil = async (want: RegExp) => {
      const dec = new TextDecoder();
      let text = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${want}`);
        text += dec.decode(value);
        if (want.test(text)) return text;
      }
    };
    seen.push(await readUntil(/LABEL_EVENT_KIND_ISSUED/));
    const index = await fx.submit(
      statement(
        { $case: "labelSuspended", value: { reason: reason("investigation") } },
        { labelId: "CCRC-3", expectedLabelVersion: 1n },
      ),
    );
    const text = await readUntil(/LABEL_EVENT_KIND_SUSPENDED/);
    expect(text).toMatch(new RegExp(`id: ${index + 1}\\nevent: label`));
    ctrl.abort();
    // Resume after the suspension: nothing about CCRC-3 is replayed.
    const again = new AbortController();
    const r2 = await get("/api/v1/labels:watch?labelIds=CCRC-3", {
      signal: again.signal,
      headers: { "last-event-id": String(index + 1) },
    });
    const first = new TextDecoder().decode((await r2.body!.getReader().read()).value);
    expect(first).not.toContain("LABEL_EVENT_KIND");
    again.abort();
    expect((await get("/api/v1/labels:watch?eventKinds=BOGUS")).status).toBe(400);
  });
});

describe("operations", () => {
  it("/healthz and /metrics (requests, latencies, log size, sequencer batches)", async () => {
    expect(await (await get("/healthz")).json()).toEqual({ status: "ok", treeSize: fx.registry.view.size });
    const m = await (await get("/metrics")).text();
    expect(m).toMatch(/labelreg_http_requests_total\{route="label",code="200"\} \d+/);
    expect(m).toMatch(/labelreg_http_request_duration_seconds_bucket\{le="0.005",route="label"\}/);
    expect(m).toContain(`labelreg_log_size ${fx.registry.view.size}`);
    expect(m).toMatch(/labelreg_sequencer_batch_entries_count [1-9]/);
    expect(m).toMatch(/labelreg_sequencer_batch_duration_seconds_sum /);
  });

  it("fuzz through the socket: no request target or method gets a 500", async () => {
    const targets = fc.oneof(
      fc.constantFrom(
        "/l/",
        "/l/CCRC-1/",
        "/api/v1/",
        "/api/v1/labels/",
        "/api/v1/products/",
        "/api/v1/log/inclusion?index=",
        "/tile/",
        "/tile/entries/",
        "/assets/",
      ),
      fc.string({ maxLength: 30 }).map((s) => `/${encodeURIComponent(s)}`),
    );
    const samples = fc.sample(
      fc.tuple(fc.constantFrom("GET", "HEAD", "POST", "DELETE"), targets, fc.string({ maxLength: 40 })),
      300,
    );
    for (const [method, prefix, tail] of samples) {
      const target = prefix + encodeURI(tail).replace(/#/g, "%23");
      const r = await get(target, {
        method,
        ...(method === "POST" ? { body: tail, headers: { "content-type": "application/json" } } : {}),
      });
      expect(r.status, `${method} ${target}`).toBeLessThan(500);
      await r.arrayBuffer();
    }
  });
});
