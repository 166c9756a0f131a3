import { crc32, inflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { labelPageUrl } from "./label-url.js";
import { QR_QUIET_ZONE, QrEncodeError, qrPath, qrPng, qrSvg, qrSymbol } from "./qr.js";

const URL_ = labelPageUrl("https://labels.example.cn", "CSL-2026-0000137");

/** The text a symbol holds, from its segments (qrcode splits a URL into byte/alphanumeric/numeric runs). */
function symbolText(text: string): string {
  return qrSymbol(text)
    .segments.map((s) =>
      typeof s.data === "string" ? s.data : new TextDecoder("utf-8", { fatal: true }).decode(s.data),
    )
    .join("");
}

/** The dark modules a `qrPath` draws, as "x,y" keys, checking that it uses only whole 1-module-high rectangles. */
function modulesOfPath(d: string): Set<string> {
  const dark = new Set<string>();
  const rest = d.replace(/M(\d+) (\d+)h(\d+)v1h-(\d+)z/g, (_, x, y, w, back) => {
    expect(back).toBe(w);
    for (let i = 0; i < Number(w); i++) dark.add(`${Number(x) + i},${y}`);
    return "";
  });
  expect(rest).toBe("");
  return dark;
}

function modulesOfSymbol(text: string): Set<string> {
  const { modules } = qrSymbol(text);
  const dark = new Set<string>();
  for (let y = 0; y < modules.size; y++)
    for (let x = 0; x < modules.size; x++) if (modules.get(y, x)) dark.add(`${x},${y}`);
  return dark;
}

interface Png {
  width: number;
  height: number;
  /** RGBA rows, unfiltered. */
  pixel(x: number, y: number): [number, number, number, number];
}

/** Just enough PNG reading for these tests: 8-bit RGBA, not interlaced; checks every chunk CRC. */
function readPng(png: Uint8Array): Png {
  const b = Buffer.from(png);
  expect([...b.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let off = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  const types: string[] = [];
  while (off < b.length) {
    const len = b.readUInt32BE(off);
    const type = b.subarray(off + 4, off + 8).toString("latin1");
    const data = b.subarray(off + 8, off + 8 + len);
    expect(b.readUInt32BE(off + 8 + len)).toBe(crc32(b.subarray(off + 4, off + 8 + len)));
    types.push(type);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect([...data.subarray(8)]).toEqual([8, 6, 0, 0, 0]); // 8-bit RGBA, deflate, adaptive filters, no interlace
    }
    if (type === "IDAT") idat.push(data);
    off += 12 + len;
  }
  expect(types[0]).toBe("IHDR");
  expect(types.at(-1)).toBe("IEND");
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 4;
  expect(raw.length).toBe(height * (stride + 1));
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i] ?? 0;
      const a = i >= 4 ? (out[y * stride + i - 4] ?? 0) : 0;
      const up = y > 0 ? (out[(y - 1) * stride + i] ?? 0) : 0;
      const c = i >= 4 && y > 0 ? (out[(y - 1) * stride + i - 4] ?? 0) : 0;
      const p = a + up - c;
      const paeth =
        Math.abs(p - a) <= Math.abs(p - up) && Math.abs(p - a) <= Math.abs(p - c)
          ? a
          : Math.abs(p - up) <= Math.abs(p - c)
            ? up
            : c;
      const pred = [0, a, up, (a + up) >> 1, paeth][filter ?? 99];
      if (pred === undefined) throw new Error(`bad PNG filter ${filter}`);
      out[y * stride + i] = (x + pred) & 0xff;
    }
  }
  return {
    width,
    height,
    pixel: (x, y) => {
      const i = y * stride + x * 4;
      return [out[i] ?? -1, out[i + 1] ?? -1, out[i + 2] ?? -1, out[i + 3] ?? -1];
    },
  };
}

describe("qrSymbol", () => {
  it("holds exactly the label page URL", () => {
    expect(URL_).toBe("https://labels.example.cn/l/CSL-2026-0000137");
    expect(symbolText(URL_)).toBe(URL_);
    expect(qrSymbol(URL_).errorCorrectionLevel.bit).toBe(3); // Q, as QR's format information numbers it
  });

  it("holds any label URL exactly (fuzzed)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", minLength: 1, maxLength: 60 }), (id) => {
        const url = labelPageUrl("https://labels.example.cn/registry/", id);
        expect(symbolText(url)).toBe(url);
      }),
      { numRuns: 200 },
    );
  });

  it("refuses text that no symbol holds with a typed error", () => {
    expect(() => qrSymbol("")).toThrow(QrEncodeError);
    expect(() => qrSymbol("x".repeat(5000))).toThrow(QrEncodeError);
    expect(() => qrSvg("")).toThrow(QrEncodeError);
    return expect(qrPng("x".repeat(5000))).rejects.toThrow(QrEncodeError);
  });
});

describe("qrSvg", () => {
  it("is an SVG document drawing exactly the symbol's dark modules inside the quiet zone", () => {
    const svg = qrSvg(URL_);
    const size = qrSymbol(URL_).modules.size;
    const side = size + 2 * QR_QUIET_ZONE;
    expect(svg).toMatch(
      new RegExp(
        `^<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${side} ${side}" width="${side * 8}" height="${side * 8}"`,
      ),
    );
    expect(svg.endsWith("</svg>")).toBe(true);
    expect(svg).toContain(`<title>${URL_}</title>`);
    expect(svg).toContain(`<path transform="translate(${QR_QUIET_ZONE} ${QR_QUIET_ZONE})" fill="#000" d="`);
    const d = /d="([^"]*)"/.exec(svg)?.[1] ?? "";
    expect(modulesOfPath(d)).toEqual(modulesOfSymbol(URL_));
    // Tags are balanced: one svg, one title, self-closed rect and path.
    expect(svg.match(/<[a-z]+/g)).toEqual(["<svg", "<title", "<rect", "<path"]);
    expect(svg.match(/<\/[a-z]+>|\/>/g)).toEqual(["</title>", "/>", "/>", "</svg>"]);
  });

  it("qrPath merges runs and draws nothing for a light row", () => {
    const d = qrPath(qrSymbol(URL_));
    // Row 0 begins with the 7-module finder pattern: one rectangle, not seven.
    expect(d.startsWith("M0 0h7v1h-7z")).toBe(true);
  });
});

describe("qrPng", () => {
  it("is a valid PNG whose pixels are the symbol, 8 pixels a module with the quiet zone", async () => {
    const png = readPng(await qrPng(URL_));
    const { modules } = qrSymbol(URL_);
    const side = (modules.size + 2 * QR_QUIET_ZONE) * 8;
    expect(png.width).toBe(side);
    expect(png.height).toBe(side);
    for (let y = -QR_QUIET_ZONE; y < modules.size + QR_QUIET_ZONE; y++) {
      for (let x = -QR_QUIET_ZONE; x < modules.size + QR_QUIET_ZONE; x++) {
        const inside = x >= 0 && y >= 0 && x < modules.size && y < modules.size;
        const dark = inside && modules.get(y, x) === 1;
        const [r, g, b, a] = png.pixel((x + QR_QUIET_ZONE) * 8 + 4, (y + QR_QUIET_ZONE) * 8 + 4);
        expect([r, g, b, a], `module ${x},${y}`).toEqual(dark ? [0, 0, 0, 255] : [255, 255, 255, 255]);
      }
    }
  });

  it("scales by pixelsPerModule", async () => {
    const png = readPng(await qrPng(URL_, 3));
    expect(png.width).toBe((qrSymbol(URL_).modules.size + 2 * QR_QUIET_ZONE) * 3);
  });
});
