import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bundlePath, tilePath } from "../../log/tile.js";
import { DEFAULT_LIMITS } from "./limits.js";
import { parseRoute, RouteError } from "./route.js";

const statusOf = (method: string, target: string): number | string => {
  try {
    return parseRoute(method, target).kind;
  } catch (e) {
    if (e instanceof RouteError) return e.status;
    throw e;
  }
};

describe("parseRoute", () => {
  it("routes every kind of resource", () => {
    expect(parseRoute("GET", "/checkpoint")).toEqual({ kind: "checkpoint" });
    expect(parseRoute("HEAD", "/tile/1/x001/234.p/7")).toEqual({
      kind: "tile",
      tile: { level: 1, index: 1234, width: 7 },
    });
    expect(parseRoute("GET", "/tile/entries/005")).toEqual({ kind: "bundle", bundle: { index: 5, width: 256 } });
    expect(parseRoute("GET", "/l/CCRC-2026X1?lang=en")).toMatchObject({
      kind: "label",
      labelId: "CCRC-2026X1",
      resource: "page",
      lang: "en",
    });
    expect(parseRoute("GET", "/l/CCRC-1/qr.png")).toMatchObject({ kind: "label", resource: "qr.png", lang: undefined });
    expect(parseRoute("GET", "/l/CCRC-1/label.svg")).toMatchObject({ resource: "label.svg" });
    expect(parseRoute("GET", "/l/%43CRC-1")).toMatchObject({ labelId: "CCRC-1" });
    expect(parseRoute("GET", "/assets/verifier-abc123.js")).toEqual({ kind: "asset", name: "verifier-abc123.js" });
    expect(parseRoute("POST", "/api/v1/labels:verify")).toMatchObject({ kind: "api", segments: ["labels:verify"] });
    expect(parseRoute("GET", "/api/v1/labels/CCRC-1")).toMatchObject({ kind: "api", segments: ["labels", "CCRC-1"] });
    expect(parseRoute("GET", "/healthz").kind).toBe("healthz");
    expect(parseRoute("GET", "/metrics").kind).toBe("metrics");
    expect(parseRoute("GET", "/")).toEqual({ kind: "home", lang: undefined });
    expect(parseRoute("GET", "/?lang=en")).toEqual({ kind: "home", lang: "en" });
    expect(parseRoute("GET", "/l?id=ccrc-1+&lang=zh-CN")).toEqual({ kind: "lookup", id: "ccrc-1 ", lang: "zh-CN" });
    expect(parseRoute("GET", "/l")).toEqual({ kind: "lookup", id: "", lang: undefined });
    expect(statusOf("POST", "/")).toBe(405);
    expect(statusOf("GET", "/l?id=<script>")).toBe(400);
  });

  it("refuses with the right status", () => {
    expect(statusOf("GET", "/nothing")).toBe(404);
    expect(statusOf("GET", "/checkpoint/")).toBe(404);
    expect(statusOf("GET", "//checkpoint")).toBe(404);
    expect(statusOf("GET", "/tile/0/1")).toBe(400);
    expect(statusOf("GET", "/l/ccrc-1")).toBe(400);
    expect(statusOf("GET", "/l/%E0%A4%A")).toBe(400);
    expect(statusOf("GET", "/l/CCRC-1/other")).toBe(404);
    expect(statusOf("GET", "/l/CCRC-1?lang=<script>")).toBe(400);
    expect(statusOf("GET", "checkpoint")).toBe(400);
    expect(statusOf("DELETE", "/checkpoint")).toBe(405);
    expect(statusOf("GET", "/api/v1/labels:verify")).toBe(405);
    expect(statusOf("POST", "/l/CCRC-1")).toBe(405);
    expect(statusOf("GET", `/l/CCRC-1?${"x".repeat(DEFAULT_LIMITS.maxQueryBytes + 1)}`)).toBe(414);
    expect(statusOf("GET", `/${"é".repeat(DEFAULT_LIMITS.maxUrlBytes / 2 + 1)}`)).toBe(414);
  });

  it("every formatted tile and bundle path routes back to its coordinates", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 2 ** 20 }),
        fc.integer({ min: 1, max: 256 }),
        (level, index, width) => {
          expect(parseRoute("GET", `/${tilePath({ level, index, width })}`)).toEqual({
            kind: "tile",
            tile: { level, index, width },
          });
          expect(parseRoute("GET", `/${bundlePath({ index, width })}`)).toEqual({
            kind: "bundle",
            bundle: { index, width },
          });
        },
      ),
    );
  });

  it("fuzz: any method and target gives a route or a RouteError, never another exception", () => {
    const seg = fc.oneof(
      fc.constantFrom(
        "tile",
        "entries",
        "l",
        "api",
        "v1",
        "assets",
        "checkpoint",
        "000",
        "x001",
        "001.p",
        "255",
        "0",
        "63",
        "64",
        "qr.svg",
        "CCRC-1",
        "%",
        "%zz",
        "%2F",
        "..",
        "",
      ),
      fc.string({ maxLength: 12 }),
      fc.stringMatching(/^x?[0-9]{1,4}(\.p)?$/),
    );
    const target = fc.oneof(
      fc
        .tuple(fc.array(seg, { maxLength: 8 }), fc.option(fc.string({ maxLength: 40 })))
        .map(([s, q]) => `/${s.join("/")}${q === null ? "" : `?${q}`}`),
      fc.string({ maxLength: 3000 }),
      fc.string({ unit: "binary", maxLength: 100 }),
    );
    fc.assert(
      fc.property(fc.constantFrom("GET", "HEAD", "POST", "PUT", "OPTIONS", "", "G\u0000T"), target, (method, t) => {
        const r = statusOf(method, t);
        expect(typeof r === "string" || [400, 404, 405, 414].includes(r)).toBe(true);
      }),
      { numRuns: 5_000 },
    );
  });
});
