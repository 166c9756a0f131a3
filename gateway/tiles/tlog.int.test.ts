// The tlog-tiles read path over real HTTP on loopback: every tile and bundle of a real log (with
// partial tiles at three levels), byte for byte against the store, with content types, cache
// headers and error codes; and a tlog client (a verifying TileHashReader) proving inclusion
// through it, as an auditor would.

import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytesEqual, fromUtf8 } from "../../log/bytes.js";
import { decodeBundle, encodeBundle, verifyBundle } from "../../log/bundle.js";
import { openCheckpoint } from "../../log/checkpoint.js";
import { parseVerifierKey } from "../../log/note-keys.js";
import { verifyInclusion } from "../../log/proof.js";
import { proveInclusion } from "../../log/prove.js";
import { TileHashReader } from "../../log/tile-reader.js";
import { bundlePath, tilePath, tilesOfTree, TILE_WIDTH } from "../../log/tile.js";
import { openMemoryStore } from "../../services/store/memory.js";
import type { LogStore } from "../../services/store/port.js";
import { startGateway, type RunningGateway } from "../server.js";
import { growLog, testEntry, testLogSigner, type BuiltLog } from "../../test/gateway/real-log.js";
import { silentLogger } from "../ops/log.js";
import { storeLogSource } from "./log-source.js";

// 70,100 entries: level-0 partial 212 wide, level-1 partial 17, level-2 partial 1.
const SIZES = [100, 70_000, 70_100];
let store: LogStore;
let log: BuiltLog;
let gw: RunningGateway;

beforeAll(async () => {
  store = openMemoryStore();
  log = await growLog(store, SIZES);
  gw = await startGateway({
    address: "127.0.0.1:0",
    log: storeLogSource(store, 0),
    publicBaseUrl: "https://labels.example.cn",
    logger: silentLogger,
  });
});
afterAll(async () => {
  await gw?.close();
  await store?.close();
});

const get = (path: string, init?: RequestInit) => fetch(`${gw.url}/${path}`, init);
const bytes = async (r: Response) => new Uint8Array(await r.arrayBuffer());

describe("tlog-tiles read path", () => {
  it("/checkpoint is the stored note, text/plain, cached a few seconds at most", async () => {
    const r = await get("checkpoint");
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(r.headers.get("cache-control")).toBe("public, max-age=2");
    expect(r.headers.get("access-control-allow-origin")).toBe("*");
    const note = await r.text();
    expect(note).toBe(log.note);
    expect(openCheckpoint(note, parseVerifierKey(testLogSigner.verifierKey)).checkpoint.size).toBe(70_100);
  });

  it("serves every tile of the tree, byte for byte, full ones immutable, partial ones briefly", async () => {
    const tiles = tilesOfTree(70_100);
    expect(tiles.filter((t) => t.width < TILE_WIDTH).map((t) => [t.level, t.width])).toEqual([
      [0, 212],
      [1, 17],
      [2, 1],
    ]);
    for (const t of tiles) {
      const r = await get(tilePath(t));
      expect(r.status, tilePath(t)).toBe(200);
      expect(r.headers.get("content-type")).toBe("application/octet-stream");
      expect(r.headers.get("cache-control")).toBe(
        t.width === TILE_WIDTH ? "public, max-age=31536000, immutable" : "public, max-age=10",
      );
      const stored = await store.readTile(t.level, t.index);
      expect(bytesEqual(await bytes(r), stored!.data.subarray(0, t.width * 32)), tilePath(t)).toBe(true);
    }
  });

  it("a partial tile of an earlier checkpoint is still served (the prefix of the grown tile)", async () => {
    const r = await get("tile/0/000.p/100");
    expect(r.status).toBe(200);
    expect(bytesEqual(await bytes(r), (await store.readTile(0, 0))!.data.subarray(0, 100 * 32))).toBe(true);
  });

  it("answers 404 for tiles and bundles the tree does not hold yet, uncached", async () => {
    for (const p of [
      "tile/0/273",
      "tile/0/273.p/213",
      "tile/0/274.p/1",
      "tile/1/001",
      "tile/1/001.p/18",
      "tile/2/000",
      "tile/3/000.p/1",
      "tile/0/x001/000",
      "tile/entries/273",
      "tile/entries/273.p/213",
      "tile/entries/x123/456",
    ]) {
      const r = await get(p);
      expect(r.status, p).toBe(404);
      expect(r.headers.get("cache-control"), p).toBe("no-store");
    }
  });

  it("answers 400 for malformed paths", async () => {
    const bad = [
      "tile/0/1",
      "tile/00/000",
      "tile/0/000.p/0",
      "tile/0/000.p/256",
      "tile/0/000.p/012",
      "tile/0/x000/001",
      "tile/64/000",
      "tile/0/000/",
      "tile/entries/000.p/",
      "tile/-1/000",
      "tile/0/%30%30%30",
      "tile/entries",
      "tile/0/000.p/1/x",
    ];
    for (const p of bad) expect((await get(p)).status, p).toBe(400);
  });

  it("serves entry bundles built from the stored entries, gzip-encoded when asked", async () => {
    const full = await get("tile/entries/001");
    expect(full.status).toBe(200);
    expect(full.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(full.headers.get("content-type")).toBe("application/octet-stream");
    const want = encodeBundle(Array.from({ length: 256 }, (_, k) => testEntry(256 + k)));
    expect(bytesEqual(await bytes(full), want)).toBe(true);
    const partial = await get("tile/entries/273.p/212");
    expect(partial.headers.get("cache-control")).toBe("public, max-age=10");
    expect(decodeBundle(await bytes(partial), 212).map((e) => fromUtf8(e))).toEqual(
      Array.from({ length: 212 }, (_, k) => fromUtf8(testEntry(273 * 256 + k))),
    );
    // Node's fetch decodes gzip itself; ask with node:http semantics instead to see the encoding.
    await new Promise((r) => setTimeout(r, 50)); // the cached bundle's gzip form is made off the request path
    const gz = await rawGet("tile/entries/001", { "accept-encoding": "gzip" });
    expect(gz.headers["content-encoding"]).toBe("gzip");
    expect(gz.headers.vary).toBe("Accept-Encoding");
    expect(bytesEqual(new Uint8Array(gunzipSync(gz.body)), want)).toBe(true);
    const plain = await rawGet("tile/entries/001", { "accept-encoding": "gzip;q=0, identity" });
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(bytesEqual(new Uint8Array(plain.body), want)).toBe(true);
  });

  it("a tlog client verifies tiles, bundles and inclusion proofs read over HTTP against the checkpoint", async () => {
    const { checkpoint } = openCheckpoint(
      await (await get("checkpoint")).text(),
      parseVerifierKey(testLogSigner.verifierKey),
    );
    const reader = new TileHashReader(
      checkpoint.size,
      async (level, index, width) => bytes(await get(tilePath({ level, index, width }))),
      { root: checkpoint.root },
    );
    for (const index of [0, 255, 256, 65_535, 70_000, 70_099]) {
      const proof = await proveInclusion(reader, index, checkpoint.size);
      verifyInclusion(index, checkpoint.size, hasher.leafHash(testEntry(index)), proof, checkpoint.root);
    }
    // The level-0 tile is trusted once it hashes to the checkpoint: a reader verifies it on fetch.
    await reader.readHashes([{ level: 0, index: 70_099 }]);
    const leaves = await bytes(await get("tile/0/273.p/212"));
    const bundle = await bytes(await get(bundlePath({ index: 273, width: 212 })));
    expect(verifyBundle(bundle, leaves)).toHaveLength(212);
  });

  it("HEAD has the headers and no body; other methods get 405 with Allow", async () => {
    const h = await get("tile/0/000", { method: "HEAD" });
    expect(h.status).toBe(200);
    expect(h.headers.get("content-length")).toBe("8192");
    expect((await bytes(h)).length).toBe(0);
    const p = await get("checkpoint", { method: "POST", body: "x" });
    expect(p.status).toBe(405);
    expect(p.headers.get("allow")).toBe("GET, HEAD");
  });

  it("refuses an over-long target (414) and an over-large declared body (413)", async () => {
    expect((await get(`tile/0/000?${"a".repeat(3000)}`)).status).toBe(414);
    expect((await get(`checkpoint?${"a=b&".repeat(200)}`)).status).toBe(414);
    const big = await rawGet("checkpoint", { "content-length": String(10 * 1024 * 1024) });
    expect(big.status).toBe(413);
  });

  it("an empty log has no checkpoint (404) and no tiles", async () => {
    const empty = openMemoryStore();
    const g = await startGateway({
      address: "127.0.0.1:0",
      log: storeLogSource(empty, 0),
      publicBaseUrl: "https://x.example",
      logger: silentLogger,
    });
    try {
      expect((await fetch(`${g.url}/checkpoint`)).status).toBe(404);
      expect((await fetch(`${g.url}/tile/0/000.p/1`)).status).toBe(404);
      expect((await fetch(`${g.url}/tile/entries/000.p/1`)).status).toBe(404);
      expect(await (await fetch(`${g.url}/healthz`)).json()).toEqual({ status: "ok", treeSize: 0 });
    } finally {
      await g.close();
      await empty.close();
    }
  });
});

import { request } from "node:http";
import { hasher } from "../../log/hasher.js";
function rawGet(
  path: string,
  headers: Record<string, string>,
  method = "GET",
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(`${gw.url}/${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end();
  });
}
