import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hostileString } from "../../test/fuzz-strings.js";
import { LANGS, langOfTag, MAX_RANGES, pickLanguage, type Lang } from "./lang.js";

describe("pickLanguage", () => {
  it.each<[string | undefined, Lang]>([
    [undefined, "zh-CN"],
    ["", "zh-CN"],
    ["zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"],
    ["en-US,en;q=0.9", "en"],
    ["en-US", "en"],
    ["EN-gb", "en"],
    ["zh", "zh-CN"],
    // Traditional Chinese readers get our Simplified Chinese page, not English.
    ["zh-TW", "zh-CN"],
    ["zh-Hant-HK,en;q=0.5", "zh-CN"],
    // q-values decide, not order; ties keep header order.
    ["zh;q=0.5, en;q=0.8", "en"],
    ["en;q=0.8, zh;q=0.9", "zh-CN"],
    ["en, zh", "en"],
    ["zh, en", "zh-CN"],
    ["fr-FR,fr;q=0.9,en;q=0.5", "en"],
    ["fr-FR,de;q=0.9", "zh-CN"],
    ["de, *;q=0.5", "zh-CN"],
    ["ja;q=1, en;q=0.001", "en"],
    // q=0 means "not acceptable".
    ["en;q=0", "zh-CN"],
    ["zh;q=0, fr", "en"],
    ["zh-CN;q=0, *", "en"],
    ["en;q=0, zh;q=0.1", "zh-CN"],
    // Malformed entries are skipped, the rest still count.
    ["en;q=2, zh;q=0.1", "zh-CN"],
    ["en;q=0.1234, zh;q=0.1", "zh-CN"],
    ["en;q=abc", "zh-CN"],
    ["en;foo=bar, zh;q=0.2", "zh-CN"],
    ["e!n, en-US;q=0.3", "en"],
    ["  en-US ; q = 0.7 ", "en"],
    // Garbage.
    ["\u0000\u0001;;;,,,", "zh-CN"],
    ["<script>", "zh-CN"],
    [";q=1", "zh-CN"],
    ["en-thisistoolongsubtag", "zh-CN"],
  ])("Accept-Language %j -> %s", (header, want) => {
    expect(pickLanguage(header)).toBe(want);
  });

  it.each<[string | undefined, string, Lang]>([
    ["zh-CN", "en", "en"],
    ["en-US", "zh-CN", "zh-CN"],
    ["en-US", "zh", "zh-CN"],
    ["zh-CN", " EN ", "en"],
    // An unknown ?lang= falls back to the header.
    ["en", "fr", "en"],
    ["en", "", "en"],
    ["zh", "<x>", "zh-CN"],
  ])("Accept-Language %j with ?lang=%j -> %s", (header, query, want) => {
    expect(pickLanguage(header, query)).toBe(want);
  });

  it("ignores entries past the 32nd", () => {
    expect(pickLanguage(`${"fr,".repeat(40)}en`)).toBe("zh-CN");
    expect(pickLanguage(`${"fr,".repeat(10)}en`)).toBe("en");
  });

  it("never throws and always returns a page language (fuzzed)", () => {
    const header = fc.oneof(
      hostileString,
      fc
        .array(
          fc.tuple(
            fc.oneof(fc.constantFrom("en", "zh", "zh-TW", "*", "fr", "en-US"), hostileString),
            fc.oneof(fc.double(), hostileString),
          ),
          { maxLength: 50 },
        )
        .map((parts) => parts.map(([t, q]) => `${t};q=${String(q)}`).join(",")),
    );
    fc.assert(
      fc.property(header, fc.option(hostileString), (h, q) => {
        expect(LANGS).toContain(pickLanguage(h, q));
      }),
      { numRuns: 3000 },
    );
  });

  it("reads only the first MAX_RANGES ranges, so a huge header costs little", () => {
    const filler = (n: number) => "xx;q=0.5,".repeat(n);
    expect(pickLanguage(`${filler(MAX_RANGES - 1)}en;q=0.9`)).toBe("en");
    expect(pickLanguage(`${filler(MAX_RANGES)}en;q=0.9`)).toBe("zh-CN"); // past the limit: unread
    expect(pickLanguage("en-US;q=0.5,".repeat(100_000))).toBe("en");
  });
});

describe("langOfTag", () => {
  it("maps by primary subtag only", () => {
    expect(langOfTag("zh-Hans-CN")).toBe("zh-CN");
    expect(langOfTag("en-AU")).toBe("en");
    expect(langOfTag("eng")).toBeUndefined();
    expect(langOfTag("")).toBeUndefined();
  });
});
