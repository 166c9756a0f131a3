// The site's pages beside the label pages, on the gateway inside the registry and on a standalone
// gateway reading the registry's VerificationService over gRPC: home and search (with the HTTP
// refusals naming their rule), /stats and its downloads, bilingual category names, the favicon,
// and 404 pages that lead home.

import { credentials } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCsv } from "../../services/csv/csv.js";
import type { Statement } from "../../proto/gen/messages/labelreg/v1/statement.js";
import { DAY, labelIssued, signStatement, statement, testKey } from "../../test/domain-testkit.js";
import { startTestRegistry, TEST_CLOCK_SKEW_SECONDS, type TestRegistry } from "../../test/gateway/grpc-registry.js";
import { authority, seedLabels } from "../../test/gateway/registry-fixture.js";
import { SearchIndex } from "../../services/reads/search-index.js";
import { silentLogger } from "../ops/log.js";
import type { RunningGateway } from "../server.js";
import { startStandaloneGateway } from "../standalone.js";

const PUBLIC = "https://labels.example.test";
const CODE = "91330100MA2AXXXX1X";
let reg: TestRegistry;
let standalone: RunningGateway;
let gateways: [string, string][];

beforeAll(async () => {
  reg = await startTestRegistry(PUBLIC);
  const now = BigInt(Math.floor(Date.now() / 1000));
  await seedLabels(reg.registry, now);
  await reg.registry.submit(
    signStatement(authority, {
      ...statement({
        $case: "categoryPublished",
        value: {
          categoryId: "smart-lock",
          name: "智能门锁",
          nameEn: "Smart locks",
          nameZh: "智能门锁",
          description: "",
        },
      }),
      signedAtUnix: now,
      logOrigin: reg.registry.origin,
    }),
  );
  // An issuer with names in both languages, and a label of it in the named category.
  const lockIssuer = testKey(12);
  const signed = (key: typeof authority, s: Statement) =>
    reg.registry.submit(signStatement(key, { ...s, signedAtUnix: now, logOrigin: reg.registry.origin }));
  await signed(
    authority,
    statement({
      $case: "issuerAccredited",
      value: {
        issuerId: "LOCK",
        name: "Lock Certification Centre",
        nameEn: "Lock Certification Centre",
        nameZh: "门锁认证中心",
        publicKey: lockIssuer.publicKey,
        scope: [{ categoryId: "smart-lock", maxTier: 3 }],
      },
    }),
  );
  await signed(
    lockIssuer,
    statement(
      {
        $case: "labelIssued",
        value: labelIssued({
          manufacturer: { name: "Lockmaker Ltd.", registrationCode: "91110000LOCK0001" },
          productModel: "L-1",
          categoryId: "smart-lock",
          validFromUnix: now - 10n,
          validUntilUnix: now + 100n * DAY,
        }),
      },
      { labelId: "LOCK-1" },
    ),
  );
  standalone = await startStandaloneGateway({
    registry: reg.grpc.address,
    credentials: credentials.createInsecure(),
    address: "127.0.0.1:0",
    publicBaseUrl: PUBLIC,
    logger: silentLogger,
    checkpointTtlMs: 0,
    trust: {
      logVerifierKey: reg.logVerifierKey,
      clockSkewSeconds: TEST_CLOCK_SKEW_SECONDS,
      authorityPublicKey: authority.publicKey,
    },
  });
  gateways = [
    ["in-process", reg.http!.url],
    ["standalone", standalone.url],
  ];
}, 60_000);
afterAll(async () => {
  await standalone?.close();
  await reg?.dispose();
});

const html = { accept: "text/html" };

// Search runs over the index the registry replayed, and over one loaded from its store's state
// tables (as a registry starting without a replay has): the same answers from both.
describe.each(["replayed", "stored"] as const)("home and search, over the %s search index", (source) => {
  let replayed: SearchIndex;
  beforeAll(async () => {
    const view = reg.registry.view;
    replayed = view.search;
    if (source === "stored") {
      view.search = await SearchIndex.load(view.store.state!, view.size);
      expect(view.search.stored).toBe(true);
    }
  });
  afterAll(() => {
    reg.registry.view.search = replayed;
  });

  it("serves the home page in both languages, with a search form and the language switch", async () => {
    for (const [name, url] of gateways) {
      const zh = await fetch(`${url}/`, { headers: { "accept-language": "zh-CN" } });
      expect(zh.status, name).toBe(200);
      expect(zh.headers.get("content-language")).toBe("zh-CN");
      const body = await zh.text();
      expect(body).toContain('<form class="search" role="search" method="get" action="/">');
      expect(body).toContain('name="q"');
      expect(body).toContain('href="/?lang=en"');
      expect(body).toContain('href="/favicon.svg"');
      const en = await (await fetch(`${url}/?lang=en`)).text();
      expect(en).toContain("Look up a cybersecurity label");
      expect(zh.headers.get("content-security-policy")).toContain("form-action 'self'");
    }
  });

  it("finds labels by id, code, model and name, linking to their pages, the same on both gateways", async () => {
    const pages: string[] = [];
    for (const [name, url] of gateways) {
      // A label's number leads straight to its page.
      const byId = await fetch(`${url}/?q=+ccrc-2+&lang=en`, { redirect: "manual" });
      expect(byId.status, name).toBe(303);
      expect(byId.headers.get("location")).toBe("/l/CCRC-2?lang=en");
      const byModelEn = await fetch(`${url}/?q=EV-C300&lang=en`);
      expect(byModelEn.status, name).toBe(200);
      const t = await byModelEn.text();
      expect(t).toContain('href="/l/CCRC-2?lang=en"');
      expect(t).toMatch(/Revoked/);
      pages.push(t);
      const byCode = await (await fetch(`${url}/?q=${CODE}&lang=en`)).text();
      expect(byCode).toContain("2 results.");
      const byModel = await (await fetch(`${url}/?q=ev-c200&lang=zh-CN`)).text();
      expect(byModel).toContain('href="/l/CCRC-1?lang=zh-CN"');
      expect(byModel).toContain("共 1 条结果。");
      const byName = await (await fetch(`${url}/?q=example+VISION&lang=en`)).text();
      expect(byName).toContain("2 results.");
      const none = await (await fetch(`${url}/?q=NO-SUCH-MODEL&lang=en`)).text();
      expect(none).toContain("No label matches");
    }
    expect(pages[0]).toBe(pages[1]);
  });

  it("refuses a bad query with 400 and its rule, as a page and in the JSON API, on both gateways", async () => {
    const long = "x".repeat(129);
    for (const [name, url] of gateways) {
      const page = await fetch(`${url}/?q=${long}&lang=en`);
      expect(page.status, name).toBe(400);
      const text = await page.text();
      expect(text).toContain("(rule: search-query)");
      expect(text).toContain("129 characters");
      const api = await fetch(`${url}/api/v1/labels:search?q=${long}`);
      expect(api.status, name).toBe(400);
      expect(await api.json()).toMatchObject({ status: "INVALID_ARGUMENT", rule: "search-query" });
      const token = await fetch(`${url}/api/v1/labels:search?q=${CODE}&pageToken=zz`);
      expect(token.status).toBe(400);
      expect((await token.json()).rule).toBe("page-token");
      const size = await fetch(`${url}/api/v1/labels:search?q=${CODE}&pageSize=99999999999`);
      expect(size.status).toBe(400);
      expect((await size.json()).rule).toBe("page-size");
      const ctl = await fetch(`${url}/?q=a%0Ab`);
      expect(ctl.status).toBe(400);
    }
  });

  it("pages through the results with the tokens it gives", async () => {
    for (const [name, url] of gateways) {
      const first = await (await fetch(`${url}/api/v1/labels:search?q=${CODE}&pageSize=1`)).json();
      expect(first.hits, name).toHaveLength(1);
      expect(first.total).toBe(2);
      expect(first.nextPageToken).toBe("p1");
      const second = await (await fetch(`${url}/api/v1/labels:search?q=${CODE}&pageSize=1&pageToken=p1`)).json();
      expect(second.hits).toHaveLength(1);
      expect(second.nextPageToken ?? "").toBe("");
      expect([first.hits[0].labelId, second.hits[0].labelId].sort()).toEqual(["CCRC-1", "CCRC-2"]);
      const htmlPage = await (await fetch(`${url}/?q=${CODE}&page=p1&lang=en`)).text();
      expect(htmlPage).toContain('rel="prev"');
    }
  });
});

describe("statistics", () => {
  it("serves /stats in both languages with SVG charts that need no script", async () => {
    for (const [name, url] of gateways) {
      for (const lang of ["zh-CN", "en"]) {
        const r = await fetch(`${url}/stats?lang=${lang}`);
        expect(r.status, `${name} ${lang}`).toBe(200);
        const t = await r.text();
        expect(t).not.toContain("<script");
        expect(t.match(/<svg class="chart"[^>]*role="img"/g)?.length).toBe(4);
        expect(t).toContain('<title id="chart-tier-t">');
        expect(t).toContain('href="/stats.csv"');
        // The category with names in both languages shows the page's.
        expect(t).toContain(lang === "en" ? "Smart locks" : "智能门锁");
      }
    }
  });

  it("serves the same figures as JSON and CSV on both gateways", async () => {
    const [a, b] = await Promise.all(gateways.map(async ([, url]) => (await fetch(`${url}/api/v1/stats`)).json()));
    expect(a).toEqual(b);
    expect(a.stats.treeSize).toBe(String(reg.registry.view.size));
    expect(a.stats.labels).toBe("3");
    // CCRC-1 (3 stars) and LOCK-1 (2 stars) active; CCRC-2 revoked. (Proto3 JSON leaves zeros out.)
    expect(a.stats.activeByTier.map((t: { labels?: string }) => t.labels ?? "0")).toEqual(["0", "1", "1"]);
    const lock = a.stats.activeByCategory.find((c: { categoryId: string }) => c.categoryId === "smart-lock");
    expect(lock).toMatchObject({ nameEn: "Smart locks", nameZh: "智能门锁", labels: "1" });
    const csv = await fetch(`${standalone.url}/stats.csv`);
    expect(csv.headers.get("content-type")).toMatch(/^text\/csv/);
    const rows = parseCsv(await csv.text()).map((r) => r.fields);
    expect(rows).toContainEqual(["log", "", "", "tree_size", a.stats.treeSize]);
    expect(rows).toContainEqual(["active_by_tier", "TIER_LEADING", "", "active", "1"]);
  });
});

describe("names in both languages", () => {
  it("the label page names the category and issuer in its language where both were published", async () => {
    for (const [name, url] of gateways) {
      const en = await fetch(`${url}/l/LOCK-1?lang=en`);
      expect(en.status, name).toBe(200);
      const enText = await en.text();
      expect(enText).toContain("Smart locks");
      expect(enText).toContain("Lock Certification Centre");
      const zh = await (await fetch(`${url}/l/LOCK-1?lang=zh-CN`)).text();
      expect(zh).toContain("智能门锁");
      expect(zh).toContain("门锁认证中心");
      expect(zh).not.toContain("Smart locks");
    }
    const issuer = await (await fetch(`${standalone.url}/api/v1/issuers/LOCK`)).json();
    expect(issuer.issuer).toMatchObject({ nameEn: "Lock Certification Centre", nameZh: "门锁认证中心" });
  });
});

describe("favicon and not-found pages", () => {
  it("serves an SVG favicon with a long cache", async () => {
    for (const [name, url] of gateways) {
      for (const path of ["/favicon.svg", "/favicon.ico"]) {
        const r = await fetch(`${url}${path}`);
        expect(r.status, name).toBe(200);
        expect(r.headers.get("content-type")).toBe("image/svg+xml");
        expect(r.headers.get("cache-control")).toBe("public, max-age=31536000");
        expect(await r.text()).toMatch(/^<svg /);
      }
    }
  });

  it("a 404 page leads back home; programs still get plain text", async () => {
    for (const [name, url] of gateways) {
      const label = await fetch(`${url}/l/CCRC-404?lang=en`);
      expect(label.status, name).toBe(404);
      expect(await label.text()).toContain('href="/?lang=en"');
      const page = await fetch(`${url}/nowhere`, { headers: { ...html, "accept-language": "en" } });
      expect(page.status).toBe(404);
      expect(await page.text()).toContain('<a href="/?lang=en">');
      const text = await fetch(`${url}/nowhere`);
      expect(text.status).toBe(404);
      expect(text.headers.get("content-type")).toMatch(/^text\/plain/);
    }
  });
});
