import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { escapeHtml, jsonForScript, safeHttpUrl } from "./escape.js";
import { hostileString } from "../../test/fuzz-strings.js";

const ENTITY = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'" } as const;
const unescapeHtml = (s: string): string =>
  s.replace(/&(?:amp|lt|gt|quot|#39);/g, (m) => ENTITY[m as keyof typeof ENTITY]);
/** XML 1.0 Char production, minus U+007F which HTML also calls a control; a lone surrogate is never a Char. */
function xmlChar(cp: number): boolean {
  if (cp === 0x9 || cp === 0xa || cp === 0xd) return true;
  if (cp < 0x20 || cp === 0x7f) return false;
  if (cp >= 0xd800 && cp <= 0xdfff) return false;
  return cp !== 0xfffe && cp !== 0xffff;
}
// String iteration yields whole code points for pairs and single units for lone surrogates.
const withReplacements = (s: string): string =>
  [...s].map((c) => (xmlChar(c.codePointAt(0) ?? 0) ? c : "\ufffd")).join("");

describe("escapeHtml", () => {
  it("escapes the five specials", () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;",
    );
    expect(escapeHtml("网络安全标识 ★")).toBe("网络安全标识 ★");
  });

  it("leaves no special unescaped, and every & starts one of its entities (fuzzed)", () => {
    fc.assert(
      fc.property(hostileString, (s) => {
        const out = escapeHtml(s);
        expect(out).not.toMatch(/[<>"']/);
        expect(out.replace(/&(?:amp|lt|gt|quot|#39);/g, "")).not.toContain("&");
      }),
      { numRuns: 2000 },
    );
  });

  it("is reversible except for characters XML forbids, which become U+FFFD (fuzzed)", () => {
    fc.assert(
      fc.property(hostileString, (s) => {
        const out = escapeHtml(s);
        expect(unescapeHtml(out)).toBe(withReplacements(s));
      }),
      { numRuns: 2000 },
    );
  });

  it("replaces controls and unpaired surrogates but keeps pairs, tabs and newlines", () => {
    expect(escapeHtml("a\u0000b\u001bc\ud800d\udc00e")).toBe("a\ufffdb\ufffdc\ufffdd\ufffde");
    expect(escapeHtml("😀\t\n\r")).toBe("😀\t\n\r");
  });
});

describe("jsonForScript", () => {
  it("cannot close the script element or open a comment, and parses back to the value (fuzzed)", () => {
    fc.assert(
      fc.property(
        fc.dictionary(hostileString, fc.oneof(hostileString, fc.integer(), fc.array(hostileString))),
        (value) => {
          const out = jsonForScript(value);
          expect(out).not.toMatch(/[<>&\u2028\u2029]/);
          expect(JSON.parse(out)).toEqual(value);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe("safeHttpUrl", () => {
  it.each([
    ["https://reports.example.cn/r.pdf", "https://reports.example.cn/r.pdf"],
    ["http://example.cn", "http://example.cn/"],
    ["HTTPS://EXAMPLE.CN/a b", "https://example.cn/a%20b"],
  ])("keeps %s", (raw, want) => expect(safeHttpUrl(raw)).toBe(want));

  it.each([
    "javascript:alert(1)",
    " JavaScript:alert(1)",
    "data:text/html,<b>x</b>",
    "/relative/path",
    "ftp://example.cn/x",
    "",
    "vbscript:x",
  ])("refuses %j", (raw) => expect(safeHttpUrl(raw)).toBeUndefined());

  it("never throws and returns only http(s) URLs (fuzzed)", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          hostileString,
          fc.webUrl(),
          fc.constantFrom("javascript:", "https:", "http:").chain((p) => hostileString.map((s) => p + s)),
        ),
        (s) => {
          const out = safeHttpUrl(s);
          if (out !== undefined) expect(out).toMatch(/^https?:\/\//);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
