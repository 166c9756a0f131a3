import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { escapeHtml, safeHttpUrl } from "./escape.js";
import { hostileString } from "../../test/fuzz-strings.js";
import {
  InvalidLabelViewError,
  PAGE_CONFIG_ID,
  renderLabelPage,
  type LabelPageOptions,
  type PageConfig,
} from "./label-page.js";
import { InvalidBaseUrlError, InvalidLabelIdError } from "./label-url.js";
import { LABEL_STATUSES, TIERS, type LabelView } from "./label-view.js";
import { LANGS, type Lang } from "./lang.js";
import { sampleLabelInStatus, sampleLabelView } from "./sample-label.js";

const VKEY = "labels.example.cn/log+3b1a5c2e+AUfIHKBsRYQjZsTQZ8fdX5dZb0vhYVJ3V3lwZ3iQqS5k";
const opts = (lang: Lang, more: Partial<LabelPageOptions> = {}): LabelPageOptions => ({
  lang,
  publicBaseUrl: "https://labels.example.cn/",
  logVerifierKey: VKEY,
  bundleUrl: "/static/verify.js",
  dataUrl: "/api/v1/labels/CSL-2026-0000137/bundle",
  now: new Date("2027-08-01T00:00:00+08:00"),
  ...more,
});

const one = (html: string, re: RegExp): string => {
  const m = re.exec(html);
  if (m === null) throw new Error(`no match for ${re} in page`);
  return m[1] ?? "";
};
const starsOn = (html: string) => one(html, /<span class="on">(★*)<\/span>/).length;
const starsOff = (html: string) => one(html, /<span class="off">(★*)<\/span>/).length;
const badge = (html: string) => one(html, /<span class="badge">([^<]*)<\/span>/);
const timeline = (html: string) => [...html.matchAll(/<li class="e-([a-z]+)">/g)].map((m) => m[1]);
const config = (html: string): PageConfig =>
  JSON.parse(
    one(html, new RegExp(`<script type="application/json" id="${PAGE_CONFIG_ID}">([^<]*)</script>`)),
  ) as PageConfig;
/** The page with tags removed and the five entities decoded: roughly what a reader sees. */
const text = (html: string) =>
  html
    .replace(/<style>[^<]*<\/style>|<script[^>]*>[^<]*<\/script>/g, "")
    .replace(/<[^>]+>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");

const STATUS_WORDS: Record<Lang, Record<string, [string, string]>> = {
  "zh-CN": {
    active: ["有效", "此标识有效"],
    suspended: ["已暂停", "暂停期间不能作为该产品安全等级的依据"],
    revoked: ["已撤销", "永久失效"],
    expired: ["已过期", "已超过有效期"],
  },
  en: {
    active: ["Active", "This label is valid"],
    suspended: ["Suspended", "does not vouch for the product's security"],
    revoked: ["Revoked", "revoked for good"],
    expired: ["Expired", "validity period has ended"],
  },
};

describe("renderLabelPage in both languages and every status", () => {
  for (const lang of LANGS) {
    for (const status of LABEL_STATUSES) {
      it(`${lang} ${status}`, () => {
        const view = sampleLabelInStatus(status);
        const html = renderLabelPage(view, opts(lang));
        const t = text(html);
        expect(html.startsWith("<!doctype html>")).toBe(true);
        expect(html).toContain(`<html lang="${lang}">`);
        expect(html).toContain('<main id="main">');
        expect(starsOn(html)).toBe(2);
        expect(starsOff(html)).toBe(1);
        const [name, meaning] = STATUS_WORDS[lang][status] ?? ["?", "?"];
        expect(badge(html)).toBe(name);
        expect(html).toContain(`class="status s-${status}"`);
        expect(t).toContain(meaning);
        expect(html.includes('class="hero inactive"')).toBe(status !== "active");
        expect(t).toContain(view.productModel);
        expect(t).toContain(view.manufacturer.name);
        expect(t).toContain(view.issuer.name);
        expect(t).toContain(view.testingLab.name);
        expect(t).toContain(view.standard);
        expect(t).toContain(view.labelId);
        const until = status === "expired" ? ["2027年6月30日", "30 June 2027"] : ["2029年6月30日", "30 June 2029"];
        expect(t).toContain(lang === "en" ? `1 July 2026 to ${until[1]}` : `2026年7月1日 至 ${until[0]}`);
        expect(t).toContain(
          lang === "en" ? "security updates until 31 December 2031" : "提供安全更新至 2031年12月31日",
        );
        expect(html).toContain('<time datetime="2031-12-31">');
        const kinds = view.history.map((h) => h.kind);
        expect(timeline(html)).toEqual(kinds);
        expect(t).toContain(lang === "en" ? "Log entry #1042" : "日志记录 #1042");
        expect(t).toContain(lang === "en" ? "1 July 2026 at 09:12" : "2026年7月1日 09:12");
        const reason = view.history.at(-1)?.reason;
        if (reason !== undefined) expect(t).toContain(reason);
        const other = lang === "en" ? "zh-CN" : "en";
        expect(html).toContain(`<a class="lang" href="?lang=${other}" hreflang="${other}" lang="${other}">`);
        expect(html).toContain('<link rel="canonical" href="https://labels.example.cn/l/CSL-2026-0000137">');
      });
    }
  }
});

describe("renderLabelPage content", () => {
  it("shows each tier's stars and its cumulative requirements", () => {
    for (const tier of TIERS) {
      const zh = renderLabelPage(sampleLabelView({ tier }), opts("zh-CN"));
      const en = renderLabelPage(sampleLabelView({ tier }), opts("en"));
      expect(starsOn(zh)).toBe(tier);
      expect(starsOff(zh)).toBe(3 - tier);
      expect(zh).toContain(`<span class="vh">${["一", "二", "三"][tier - 1]}星（最高为三星）</span>`);
      expect(en).toContain(`<span class="vh">${tier} of 3 stars</span>`);
      expect(one(zh, /<h1 id="label-h">([^<]*)<\/h1>/)).toBe(
        ["一星 · 基础级", "二星 · 增强级", "三星 · 领先级"][tier - 1],
      );
      expect(one(en, /<h1 id="label-h">([^<]*)<\/h1>/)).toBe(
        ["1 star · Basic", "2 stars · Enhanced", "3 stars · Leading"][tier - 1],
      );
      expect(one(en, /<ul class="req">(.*?)<\/ul>/).match(/<li>/g)?.length).toBe(tier + 2);
      expect(text(zh)).toContain("没有弱口令，也没有所有设备通用的默认口令");
      expect(text(en).includes("penetration testing by an independent third party")).toBe(tier === 3);
      expect(text(zh).includes("第三方的渗透测试")).toBe(tier === 3);
    }
  });

  it("warns when security support has ended, and says when it was not declared", () => {
    const ended = sampleLabelView({ securitySupportEnd: new Date("2027-01-31T12:00:00+08:00") });
    expect(text(renderLabelPage(ended, opts("en")))).toContain(
      "Ended on 31 January 2027: this product no longer gets security updates",
    );
    expect(text(renderLabelPage(ended, opts("zh-CN")))).toContain("已于 2027年1月31日 结束");
    expect(renderLabelPage(ended, opts("zh-CN"))).toContain('<span class="warn">');
    const undeclared = sampleLabelView({ securitySupportEnd: undefined });
    expect(text(renderLabelPage(undeclared, opts("zh-CN")))).toContain("制造商未声明");
  });

  it("shows dates in the configured zone and an invalid date as a dash", () => {
    const view = sampleLabelView({ validFrom: new Date("2026-06-30T20:00:00Z"), validUntil: new Date(Number.NaN) });
    expect(text(renderLabelPage(view, opts("en")))).toContain("1 July 2026 to —");
    expect(text(renderLabelPage(view, opts("en", { timeZone: "UTC" })))).toContain("30 June 2026 to —");
    expect(text(renderLabelPage(view, opts("en", { timeZone: "UTC" })))).toContain(
      "Times in Coordinated Universal Time",
    );
    expect(() => renderLabelPage(view, opts("en", { timeZone: "Mars/Olympus" }))).toThrow(RangeError);
  });

  it("links the test report only if it is an http(s) URL", () => {
    const link = renderLabelPage(sampleLabelView(), opts("en"));
    expect(link).toContain(
      '<a href="https://reports.example.cn/CSL-2026-0000137.pdf" rel="noopener noreferrer">Read the test report</a>',
    );
    const js = renderLabelPage(sampleLabelView({ testReportUri: "javascript:alert(1)" }), opts("en"));
    expect(js).not.toContain('href="javascript');
    expect(js).toContain("<code>javascript:alert(1)</code>");
    const none = renderLabelPage(sampleLabelView({ testReportUri: undefined }), opts("en"));
    expect(none).not.toContain("Test report</dt>");
  });

  it("says when there is no history", () => {
    expect(text(renderLabelPage(sampleLabelView({ history: [] }), opts("en")))).toContain("No events yet.");
  });
});

describe("renderLabelPage verifier slot", () => {
  it("pins the verifier key and inputs in a JSON config and loads the bundle as a module", () => {
    const html = renderLabelPage(sampleLabelView(), opts("zh-CN"));
    expect(config(html)).toEqual({
      labelId: "CSL-2026-0000137",
      lang: "zh-CN",
      logVerifierKey: VKEY,
      status: "active",
      checkpointSize: 5120,
      dataUrl: "/api/v1/labels/CSL-2026-0000137/bundle",
      timeZone: "Asia/Shanghai",
      messages: {
        verified: expect.stringContaining("{size}"),
        witnessed: expect.stringContaining("{witnesses}"),
        awaiting: expect.stringContaining("{size}"),
        failed: expect.stringContaining("{reason}"),
        reasons: expect.objectContaining({ status: expect.stringContaining("{proven}") }),
        statusNames: { active: "有效", suspended: "已暂停", revoked: "已撤销", expired: "已过期" },
        statusUnconfirmed: expect.stringContaining("未经确认"),
        statusAwaiting: expect.stringContaining("见证方"),
        complete: expect.stringMatching(/^这是截至日志检查点 \{size\}（\{time\}，\{zone\}）/),
        incomplete: expect.stringContaining("完整性证明"),
        statusIncomplete: expect.stringContaining("最新"),
      },
    });
    // Every verifier phrase is in the page's language: no Latin letters in the Chinese ones.
    const values = (o: unknown): string[] => (typeof o === "string" ? [o] : Object.values(o as object).flatMap(values));
    const words = values(config(html).messages)
      .join(" ")
      .replace(/\{[a-z]+\}/g, "");
    expect(words).not.toMatch(/[A-Za-z]{3,}/);
    expect(html).toContain('<p id="status-check" class="check"></p>');
    expect(html).toContain('<script type="module" src="/static/verify.js"></script>');
    expect(html).toContain('<p id="verify-status" role="status" aria-live="polite" data-state="pending">正在核验…</p>');
    expect(html).toContain("<noscript><style>#verify-status{display:none}</style></noscript>");
    expect(one(html, /<noscript>(<p class="note">.*?<\/p>)<\/noscript>/)).toContain("5120 条记录");
  });

  it("pins the witness policy when given, and none otherwise", () => {
    const witnesses = { verifierKeys: ["witness.test/w1+4f2a9c1b+BAAA"], required: 1 };
    expect(config(renderLabelPage(sampleLabelView(), opts("en", { witnesses })))).toMatchObject({ witnesses });
    expect(config(renderLabelPage(sampleLabelView(), opts("en")))).not.toHaveProperty("witnesses");
  });

  it("pins the authority key when given", () => {
    const html = renderLabelPage(sampleLabelView({ status: "revoked" }), opts("en", { authorityPublicKey: "AAEC" }));
    expect(config(html)).toMatchObject({ authorityPublicKey: "AAEC", status: "revoked" });
  });

  it("without a bundle, has no script and no pending 'verifying' text", () => {
    const html = renderLabelPage(sampleLabelView(), opts("en", { bundleUrl: undefined, dataUrl: undefined }));
    expect(html).not.toContain('<script type="module"');
    expect(html).not.toContain('id="verify-status"');
    expect(html).not.toContain("Verifying…");
    expect(text(html)).toContain("read at a log checkpoint of 5120 entries");
    expect(config(html).dataUrl).toBeUndefined();
  });
});

const STRING_FIELDS = [
  "productModel",
  "manufacturer.name",
  "manufacturer.registrationCode",
  "category",
  "issuer.name",
  "issuer.id",
  "testingLab.name",
  "testingLab.id",
  "standard",
  "testReportDigest",
  "testReportUri",
  "declarationDigest",
  "keyIndicators.name",
  "keyIndicators.value",
  "history.reason",
];
/** No lone surrogates: a label id must be one to have a URL (see labelPageUrl). */
const wellFormed = (s: string) => !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);

// Every string field of the view set to `s(field)`: the fields are given one by one so a new
// field added to LabelView without a place here shows up in review, not silently unescaped.
function viewWithStrings(s: (field: string) => string): LabelView {
  return sampleLabelView({
    labelId: s("labelId"),
    productModel: s("productModel"),
    manufacturer: { name: s("manufacturer.name"), registrationCode: s("manufacturer.registrationCode") },
    category: s("category"),
    issuer: { name: s("issuer.name"), id: s("issuer.id") },
    testingLab: { name: s("testingLab.name"), id: s("testingLab.id") },
    standard: s("standard"),
    testReportDigest: s("testReportDigest"),
    testReportUri: s("testReportUri"),
    declarationDigest: s("declarationDigest"),
    keyIndicators: [{ name: s("keyIndicators.name"), value: s("keyIndicators.value") }],
    history: [
      { logIndex: 7, kind: "issued", time: new Date("2026-07-01T09:00:00+08:00"), tier: 2 },
      { logIndex: 9, kind: "revoked", time: new Date("2026-08-01T09:00:00+08:00"), reason: s("history.reason") },
    ],
  });
}

describe("renderLabelPage escaping", () => {
  const hostile = (field: string) => `"'><img src=x onerror=alert(1)>&amp;</script><!--${field}`;

  it("escapes hostile input in every field and option", () => {
    for (const lang of LANGS) {
      const view = viewWithStrings(hostile);
      const html = renderLabelPage(
        view,
        opts(lang, { logVerifierKey: hostile("key"), bundleUrl: hostile("bundle"), dataUrl: hostile("data") }),
      );
      expect(html).not.toContain("<img");
      expect(html).not.toContain("<!--");
      expect(html.match(/<\/script>/g)?.length).toBe(2); // the config and the module, nothing else
      for (const field of ["labelId", ...STRING_FIELDS]) {
        expect(html, field).toContain(escapeHtml(hostile(field)));
        expect(text(html), field).toContain(hostile(field));
      }
      expect(html).toContain(`src="${escapeHtml(hostile("bundle"))}"`);
      const cfg = config(html);
      expect(cfg.logVerifierKey).toBe(hostile("key"));
      expect(cfg.dataUrl).toBe(hostile("data"));
      expect(cfg.labelId).toBe(hostile("labelId"));
    }
  });

  it("strings cannot change the page's markup (fuzzed)", () => {
    // With the structure fixed (every optional field present, a non-URL test report), the number of
    // markup characters must not depend on what the strings contain. The JSON config is checked
    // apart: quotes inside it are JSON's, and it must parse back to the same strings.
    const configRe = new RegExp(`(<script type="application/json" id="${PAGE_CONFIG_ID}">)[^<]*(</script>)`);
    const specials = (html: string) => {
      const outside = html.replace(configRe, "$1$2");
      return [..."<>\"'"].map((c) => outside.split(c).length - 1);
    };
    const render = (s: (field: string) => string, key: string) =>
      renderLabelPage(viewWithStrings(s), opts("en", { logVerifierKey: key, dataUrl: key }));
    const baseline = specials(render((f) => `x-${f}`, "k"));
    const fields = ["labelId", ...STRING_FIELDS];
    const value = hostileString.filter((s) => s.trim() !== "" && safeHttpUrl(s) === undefined && wellFormed(s));
    fc.assert(
      fc.property(
        fc.array(value, { minLength: fields.length, maxLength: fields.length }),
        hostileString,
        (values, key) => {
          const pick = (f: string) => values[fields.indexOf(f)] ?? "unlisted";
          const html = render(pick, key);
          expect(specials(html)).toEqual(baseline);
          expect(config(html).logVerifierKey).toBe(key);
          expect(config(html).labelId).toBe(pick("labelId"));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("renderLabelPage refuses bad input with typed errors", () => {
  it.each<[string, Partial<LabelView>]>([
    ["tier", { tier: 4 as never }],
    ["status", { status: "paused" as never }],
    ["event kind", { history: [{ logIndex: 1, kind: "deleted" as never, time: new Date() }] }],
    ["history tier", { history: [{ logIndex: 1, kind: "issued", time: new Date(), tier: 0 as never }] }],
  ])("bad %s", (_, bad) => {
    expect(() => renderLabelPage(sampleLabelView(bad), opts("en"))).toThrow(InvalidLabelViewError);
  });

  it.each(["labels.example.cn", "javascript:alert(1)//", "ftp://x.cn", "https://x.cn/?a=1"])(
    "bad base URL %j",
    (base) => {
      expect(() => renderLabelPage(sampleLabelView(), opts("en", { publicBaseUrl: base }))).toThrow(
        InvalidBaseUrlError,
      );
    },
  );

  it("label id that cannot be a URL", () => {
    expect(() => renderLabelPage(sampleLabelView({ labelId: "\ud800" }), opts("en"))).toThrow(InvalidLabelIdError);
  });
});

describe("renderLabelPage first screen and indicators", () => {
  it("shows the end of validity and the certification body with the product, before the status", () => {
    for (const [lang, until, by] of [
      ["zh-CN", "有效期至 2029年6月30日", "发证机构：中网安认证中心"],
      ["en", "Valid until 30 June 2029", "Certified by 中网安认证中心"],
    ] as const) {
      const html = renderLabelPage(sampleLabelView(), opts(lang));
      const hero = one(html, /<section class="hero[^"]*"[^>]*>(.*?)<\/section>/);
      expect(text(hero)).toContain(until);
      expect(text(hero)).toContain(by);
    }
  });

  it("names well-known key indicators in the page's language and says yes/no in words; other names as written", () => {
    const view = sampleLabelView({
      keyIndicators: [
        { name: "vuln-disclosure", value: "yes" },
        { name: "Update-Years", value: "5" },
        { name: "默认口令", value: "no" },
      ],
    });
    const zh = text(renderLabelPage(view, opts("zh-CN")));
    expect(zh).toContain("漏洞披露渠道有");
    expect(zh).toContain("安全更新年限5");
    expect(zh).toContain("默认口令无");
    expect(zh).not.toContain("vuln-disclosure");
    const en = text(renderLabelPage(view, opts("en")));
    expect(en).toContain("Vulnerability disclosureYes");
    expect(en).toContain("Years of security updates5");
  });
});
