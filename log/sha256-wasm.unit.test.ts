// The WebAssembly SHA-256 against @noble/hashes: digests at every padding boundary and at random,
// tree hashes, batches that span several calls, and path folds against the one-hash-at-a-time
// reference. The embedded module must be what wasm/sha256.ts compiles to.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import { toHex, utf8 } from "./bytes.js";
import { foldPathJs, MAX_FOLD } from "./fold.js";
import { nobleHasher } from "./hash.js";
import { loadWasmSha256 } from "./sha256-wasm.js";

const wasm = loadWasmSha256()!;
const hex = (b: Uint8Array) => toHex(b);
const hash32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

describe("the embedded module", () => {
  it("loads in Node", () => {
    expect(wasm).toBeDefined();
    expect(loadWasmSha256()).toBe(wasm); // one instance per realm
  });

  it("is what wasm/sha256.ts compiles to (npm run build:wasm)", () => {
    const build = fileURLToPath(new URL("../wasm/build.mjs", import.meta.url));
    const r = spawnSync(process.execPath, [build, "--check"], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  }, 60_000);
});

describe("digest", () => {
  it("matches the FIPS 180-2 examples", () => {
    expect(hex(wasm.digest(new Uint8Array()))).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(hex(wasm.digest(utf8("abc")))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(hex(wasm.digest(utf8("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")))).toBe(
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    );
  });

  it("equals noble's at every length from 0 to 300 bytes (every padding case)", () => {
    const data = new Uint8Array(300).map((_, i) => (i * 131 + 7) & 0xff);
    for (let n = 0; n <= 300; n++)
      expect(hex(wasm.digest(data.subarray(0, n))), `length ${n}`).toBe(hex(nobleSha256(data.subarray(0, n))));
  });

  it("equals noble's on random inputs, up to a maximal log entry and beyond the initial memory", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (data) => {
        expect(hex(wasm.digest(data))).toBe(hex(nobleSha256(data)));
      }),
      { numRuns: 500 },
    );
    for (const n of [65_535, 65_536 + 1, 3 << 20]) {
      const big = new Uint8Array(n).fill(0x5a);
      expect(hex(wasm.digest(big)), `length ${n}`).toBe(hex(nobleSha256(big)));
    }
  });

  it("returns plain arrays of its own: a later call does not change an earlier result", () => {
    const a = wasm.digest(utf8("a"));
    const copy = hex(a);
    wasm.digest(utf8("b"));
    wasm.nodeHash(a, a);
    expect(hex(a)).toBe(copy);
    expect(Object.getPrototypeOf(a)).toBe(Uint8Array.prototype);
    expect(a.buffer.byteLength).toBe(32);
  });
});

describe("tree hashes", () => {
  it("leafHash, nodeHash and emptyRoot equal the portable hasher's", () => {
    expect(hex(wasm.emptyRoot)).toBe(hex(nobleHasher.emptyRoot));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), hash32, (entry, right) => {
        const leaf = wasm.leafHash(entry);
        expect(hex(leaf)).toBe(hex(nobleHasher.leafHash(entry)));
        expect(hex(wasm.nodeHash(leaf, right))).toBe(hex(nobleHasher.nodeHash(leaf, right)));
        expect(hex(wasm.nodeHash(right, leaf))).toBe(hex(nobleHasher.nodeHash(right, leaf)));
      }),
      { numRuns: 1000 },
    );
  });

  it("hashes node inputs of other lengths as their concatenation, as every TreeHasher does", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70 }), fc.uint8Array({ maxLength: 70 }), (l, r) => {
        expect(hex(wasm.nodeHash(l, r))).toBe(hex(nobleHasher.nodeHash(l, r)));
      }),
    );
  });

  it("leafHashes equals leafHash of each entry, across calls split by count and by bytes", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 40 }), (entries) => {
        const all = wasm.leafHashes(entries);
        expect(all.length).toBe(32 * entries.length);
        entries.forEach((e, i) => expect(hex(all.subarray(32 * i, 32 * i + 32))).toBe(hex(nobleHasher.leafHash(e))));
      }),
      { numRuns: 300 },
    );
    // More entries than one call takes (1,024), and more bytes (1 MiB), with maximal entries.
    const many = Array.from({ length: 2500 }, (_, i) => new Uint8Array([i & 0xff, i >> 8]));
    const big = Array.from({ length: 40 }, (_, i) => new Uint8Array(i % 2 ? 65_535 : 10).fill(i));
    for (const entries of [many, big, [...big, ...many]]) {
      const all = wasm.leafHashes(entries);
      entries.forEach((e, i) =>
        expect(hex(all.subarray(32 * i, 32 * i + 32)), `entry ${i}`).toBe(hex(nobleHasher.leafHash(e))),
      );
    }
    expect(wasm.leafHashes([]).length).toBe(0);
  });
});

describe("foldPath", () => {
  const folds = fc.record({
    seed: hash32,
    path: fc.array(hash32, { maxLength: MAX_FOLD + 4 }),
    bits: fc.array(fc.boolean(), { minLength: MAX_FOLD + 4, maxLength: MAX_FOLD + 4 }),
    from: fc.nat(3),
    withOld: fc.boolean(),
  });

  it("equals the one-hash-at-a-time fold, for inclusion and consistency paths, and past MAX_FOLD", () => {
    fc.assert(
      fc.property(folds, ({ seed, path, bits, from, withOld }) => {
        const lefts = Uint8Array.from(bits, (b) => (b ? 1 : 0));
        const want = foldPathJs(nobleHasher, seed, path, Math.min(from, path.length), lefts, withOld);
        const got = wasm.foldPath(seed, path, Math.min(from, path.length), lefts, withOld);
        expect(hex(got.root)).toBe(hex(want.root));
        expect(hex(got.oldRoot)).toBe(hex(want.oldRoot));
      }),
      { numRuns: 1000 },
    );
  });

  it("treats any non-zero side byte as a left sibling, and leaves its inputs unchanged", () => {
    const seed = new Uint8Array(32).fill(1);
    const path = [new Uint8Array(32).fill(2), new Uint8Array(32).fill(3)];
    const got = wasm.foldPath(seed, path, 0, new Uint8Array([7, 0]), true);
    const want = foldPathJs(nobleHasher, seed, path, 0, new Uint8Array([1, 0]), true);
    expect(hex(got.root)).toBe(hex(want.root));
    expect(hex(got.oldRoot)).toBe(hex(want.oldRoot));
    expect(seed.every((b) => b === 1) && path[0]!.every((b) => b === 2)).toBe(true);
  });

  it("folds paths with hashes of other lengths as the reference does", () => {
    const path = [new Uint8Array(31), new Uint8Array(32)];
    const lefts = new Uint8Array([0, 1]);
    const seed = new Uint8Array(32);
    expect(hex(wasm.foldPath(seed, path, 0, lefts, false).root)).toBe(
      hex(foldPathJs(nobleHasher, seed, path, 0, lefts, false).root),
    );
  });
});
