// Go's sumdb/tlog as the oracle: every root and proof in oracle/merkle.json, generated here byte
// for byte and verified with this runtime's hasher (log/hasher.ts; hasher-fallback.unit.test.ts
// does the same with the noble fallback), and the two hashers compared on every entry.
import { describe, expect, it } from "vitest";
import { readTestdataJson } from "../test/testdata.js";
import { bytesEqual, fromHex, toHex } from "./bytes.js";
import { nobleHasher } from "./hash.js";
import { hasher } from "./hasher.js";
import { MemoryHashes } from "./memory-hashes.js";
import { verifyConsistency, verifyInclusion } from "./proof.js";
import { loadWasmSha256 } from "./sha256-wasm.js";
import { proveConsistency, proveInclusion } from "./prove.js";
import { treeRoot } from "./tree.js";

interface Oracle {
  leaves: string[];
  roots: Record<string, string>;
  inclusion: { index: number; size: number; leaf_hash: string; root: string; proof: string[] }[];
  consistency: { old_size: number; new_size: number; old_root: string; new_root: string; proof: string[] }[];
}

const oracle = readTestdataJson<Oracle>("oracle", "merkle.json");
const entries = oracle.leaves.map(fromHex);
const wasm = loadWasmSha256()!;

describe("oracle/merkle.json", () => {
  const leafHashes = entries.map((e) => hasher.leafHash(e));
  const tree = MemoryHashes.fromLeafHashes(leafHashes);

  it("holds the vectors it claims to", () => {
    expect(entries.length).toBe(70081);
    expect(Object.keys(oracle.roots).length).toBeGreaterThan(1000);
    expect(oracle.inclusion.length).toBe(240);
    expect(oracle.consistency.length).toBe(238);
  });

  it("computes every root", async () => {
    for (const [size, root] of Object.entries(oracle.roots)) {
      expect(toHex(await treeRoot(tree, Number(size))), `root at ${size}`).toBe(root);
    }
  });

  it("generates every inclusion proof byte for byte, and verifies it", async () => {
    for (const v of oracle.inclusion) {
      expect(toHex(leafHashes[v.index]!)).toBe(v.leaf_hash);
      const proof = await proveInclusion(tree, v.index, v.size);
      expect(proof.map(toHex), `inclusion ${v.index} in ${v.size}`).toEqual(v.proof);
      verifyInclusion(v.index, v.size, fromHex(v.leaf_hash), v.proof.map(fromHex), fromHex(v.root));
    }
  });

  it("generates every consistency proof byte for byte, and verifies it", async () => {
    for (const v of oracle.consistency) {
      const proof = await proveConsistency(tree, v.old_size, v.new_size);
      expect(proof.map(toHex), `consistency ${v.old_size} -> ${v.new_size}`).toEqual(v.proof);
      verifyConsistency(v.old_size, v.new_size, v.proof.map(fromHex), fromHex(v.old_root), fromHex(v.new_root));
    }
  });

  it("rejects every oracle proof against the wrong root", () => {
    const other = fromHex(oracle.roots["1"]!);
    for (const v of oracle.inclusion.filter((v) => v.root !== oracle.roots["1"])) {
      expect(() => verifyInclusion(v.index, v.size, fromHex(v.leaf_hash), v.proof.map(fromHex), other)).toThrow(
        expect.objectContaining({ code: "ROOT_MISMATCH" }),
      );
    }
  });
});

describe("the noble and WebAssembly hashers", () => {
  it("agree on every entry's leaf hash and on the node hashes of neighbours", () => {
    const mismatches: number[] = [];
    for (let i = 0; i < entries.length; i++) {
      const a = nobleHasher.leafHash(entries[i]!);
      if (!bytesEqual(wasm.leafHash(entries[i]!), a)) mismatches.push(i);
      if (i > 0) {
        const prev = nobleHasher.leafHash(entries[i - 1]!);
        if (!bytesEqual(wasm.nodeHash(prev, a), nobleHasher.nodeHash(prev, a))) mismatches.push(-i);
      }
    }
    expect(mismatches).toEqual([]);
    expect(toHex(wasm.emptyRoot)).toBe(toHex(nobleHasher.emptyRoot));
  });
});
