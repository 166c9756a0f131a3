import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hostileString } from "../../test/fuzz-strings.js";
import { InvalidBaseUrlError, InvalidLabelIdError, labelPageUrl } from "./label-url.js";

describe("labelPageUrl", () => {
  it.each([
    ["https://labels.example.cn", "CSL-1", "https://labels.example.cn/l/CSL-1"],
    ["https://labels.example.cn///", "CSL-1", "https://labels.example.cn/l/CSL-1"],
    ["https://example.cn/registry/", "CSL-1", "https://example.cn/registry/l/CSL-1"],
    ["HTTP://Example.CN:8080", "a/b?c#d", "http://example.cn:8080/l/a%2Fb%3Fc%23d"],
    ["https://labels.example.cn", "标识 1", "https://labels.example.cn/l/%E6%A0%87%E8%AF%86%201"],
  ])("%s + %j -> %s", (base, id, want) => expect(labelPageUrl(base, id)).toBe(want));

  it.each([
    "",
    "labels.example.cn",
    "/l",
    "ftp://x.cn",
    "javascript:alert(1)",
    "https://x.cn/?q=1",
    "https://x.cn/#top",
  ])("refuses base %j", (base) => expect(() => labelPageUrl(base, "CSL-1")).toThrow(InvalidBaseUrlError));

  it.each(["", "a\ud800", "\udc00b"])("refuses id %j", (id) =>
    expect(() => labelPageUrl("https://x.cn", id)).toThrow(InvalidLabelIdError),
  );

  it("puts any id in exactly one path segment that decodes back to it, or throws a typed error (fuzzed)", () => {
    fc.assert(
      fc.property(hostileString, (id) => {
        let url: string;
        try {
          url = labelPageUrl("https://labels.example.cn/r", id);
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidLabelIdError);
          return;
        }
        const parsed = new URL(url);
        const segments = parsed.pathname.split("/");
        expect(segments.slice(0, 3)).toEqual(["", "r", "l"]);
        expect(segments).toHaveLength(4);
        expect(decodeURIComponent(segments[3] ?? "")).toBe(id);
        expect(parsed.search + parsed.hash).toBe("");
      }),
      { numRuns: 2000 },
    );
  });
});
