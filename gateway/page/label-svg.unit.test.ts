import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { escapeHtml } from "./escape.js";
import { hostileString } from "../../test/fuzz-strings.js";
import { labelSvg } from "./label-svg.js";
import { labelPageUrl } from "./label-url.js";
import { TIERS } from "./label-view.js";
import { QrEncodeError, qrPath, qrSymbol } from "./qr.js";

const ID = "CSL-2026-0000137";
const URL_ = labelPageUrl("https://labels.example.cn", ID);

describe("labelSvg", () => {
  it("shows the tier's stars and words in both languages, the id, and the page's QR code", () => {
    for (const tier of TIERS) {
      const svg = labelSvg(ID, tier, URL_);
      expect(
        svg.startsWith(
          '<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 240 360" width="60mm" height="90mm"',
        ),
      ).toBe(true);
      expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
      expect(svg.match(/class="star-on"/g)?.length ?? 0).toBe(tier);
      expect(svg.match(/class="star-off"/g)?.length ?? 0).toBe(3 - tier);
      expect(svg).toContain(`>${["一星 · 基础级", "二星 · 增强级", "三星 · 领先级"][tier - 1]}</text>`);
      expect(svg).toContain(`>${["1 star · Basic", "2 stars · Enhanced", "3 stars · Leading"][tier - 1]}</text>`);
      expect(svg).toContain(">网络安全标识</text>");
      expect(svg).toContain(">CYBERSECURITY LABEL</text>");
      expect(svg).toContain(`>${ID}</text>`);
      expect(svg).toContain(`d="${qrPath(qrSymbol(URL_))}"`);
      expect(svg).toMatch(/<title id="label-title">[^<]*CSL-2026-0000137<\/title>/);
    }
  });

  it("draws stars as closed ten-point polygons inside the canvas", () => {
    const svg = labelSvg(ID, 3, URL_);
    const polygons = [...svg.matchAll(/points="([^"]*)"/g)].map((m) =>
      (m[1] ?? "").split(" ").map((p) => p.split(",").map(Number)),
    );
    expect(polygons).toHaveLength(3);
    for (const pts of polygons) {
      expect(pts).toHaveLength(10);
      for (const [x, y] of pts) {
        expect(x).toBeGreaterThan(0);
        expect(x).toBeLessThan(240);
        expect(y).toBeGreaterThan(68); // below the header band
        expect(y).toBeLessThan(130);
      }
    }
  });

  it("fits a long id into the label width", () => {
    expect(labelSvg(ID, 1, URL_)).not.toContain("textLength");
    const long = "CSL-2026-0000137-REISSUED-FOR-EXPORT";
    expect(labelSvg(long, 1, labelPageUrl("https://labels.example.cn", long))).toContain(
      'textLength="200" lengthAdjust="spacingAndGlyphs">CSL-2026',
    );
  });

  it("escapes the label id (fuzzed)", () => {
    fc.assert(
      fc.property(
        hostileString.filter((s) => s !== "" && !/[\ud800-\udfff]/.test(s)),
        (id) => {
          const svg = labelSvg(id, 2, labelPageUrl("https://labels.example.cn", id));
          expect(svg).toContain(`>${escapeHtml(id)}</text>`);
          const body = svg.slice(svg.indexOf("<svg"));
          // Only the template's own tags: a hostile id adds none.
          expect(body.match(/</g)?.length).toBe(labelSvg("x", 2, URL_).slice(svg.indexOf("<svg")).match(/</g)?.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("refuses a URL no QR code holds", () => {
    expect(() => labelSvg(ID, 1, "x".repeat(5000))).toThrow(QrEncodeError);
  });

  it("marks a label that is not active across its stars, in both languages; an active one is unmarked", () => {
    expect(labelSvg(ID, 2, URL_)).not.toContain("status-band");
    expect(labelSvg(ID, 2, URL_, { status: "active" })).not.toContain("status-band");
    for (const [status, words] of [
      ["suspended", "已暂停 · SUSPENDED"],
      ["revoked", "已撤销 · REVOKED"],
      ["expired", "已过期 · EXPIRED"],
    ] as const) {
      const svg = labelSvg(ID, 3, URL_, { status });
      const band = /<g class="status-band"[^>]*>(.*?)<\/g>/.exec(svg)?.[1] ?? "";
      expect(band).toContain(`>${words}</text>`);
      // Drawn after (over) the stars, and across them: the band's box spans the star row.
      expect(svg.indexOf("status-band")).toBeGreaterThan(svg.lastIndexOf('class="star-'));
      const [y, h] = [
        Number(/<rect x="14" y="([0-9.]+)"/.exec(band)?.[1]),
        Number(/height="([0-9.]+)"/.exec(band)?.[1]),
      ];
      expect(y).toBeLessThan(98);
      expect(y + h).toBeGreaterThan(98);
      expect(svg).toMatch(new RegExp(`<title id="label-title">[^<]*${words.replace(" · ", " ")}</title>`));
    }
  });

  it("prints a warning under the QR code when asked (no public URL configured)", () => {
    const svg = labelSvg(ID, 1, URL_, { qrWarning: "QR → http://127.0.0.1:8080: set --public-url before printing" });
    expect(svg).toContain(">QR → http://127.0.0.1:8080: set --public-url before printing</text>");
    expect(labelSvg(ID, 1, URL_)).not.toContain("--public-url");
  });
});
