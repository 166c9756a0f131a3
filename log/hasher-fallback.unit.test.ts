// Where WebAssembly cannot be compiled (a browser's main thread, a strict Content-Security-Policy),
// log/hasher.ts falls back to noble: the whole proof path must then give the oracle's bytes too.
import { describe, expect, it, vi } from "vitest";
import { readTestdataJson } from "../test/testdata.js";
import { fromHex, toHex } from "./bytes.js";

vi.mock("./sha256-wasm.js", () => ({ loadWasmSha256: () => undefined }));

interface Oracle {
  leaves: string[];
  roots: Record<string, string>;
  inclusion: { index: number; size: number; leaf_hash: string; root: string; proof: string[] }[];
  consistency: { old_size: number; new_size: number; old_root: string; new_root: string; proof: string[] }[];
}

describe("log/hasher.ts without WebAssembly", () => {
  it("is the noble hasher, and proofs verify and generate as with WebAssembly", async () => {
    const { hasher } = await import("./hasher.js");
    const { nobleHasher } = await import("./hash.js");
    const { MemoryHashes } = await import("./memory-hashes.js");
    const { verifyConsistency, verifyInclusion } = await import("./proof.js");
    const { proveInclusion } = await import("./prove.js");
    const { treeRoot } = await import("./tree.js");
    expect(hasher).toBe(nobleHasher);
    const oracle = readTestdataJson<Oracle>("oracle", "merkle.json");
    const tree = MemoryHashes.fromLeafHashes(oracle.leaves.map((l) => hasher.leafHash(fromHex(l))));
    for (const [size, root] of Object.entries(oracle.roots))
      expect(toHex(await treeRoot(tree, Number(size)))).toBe(root);
    for (const p of oracle.inclusion) {
      verifyInclusion(p.index, p.size, fromHex(p.leaf_hash), p.proof.map(fromHex), fromHex(p.root));
      expect((await proveInclusion(tree, p.index, p.size)).map(toHex)).toEqual(p.proof);
    }
    for (const p of oracle.consistency) {
      verifyConsistency(p.old_size, p.new_size, p.proof.map(fromHex), fromHex(p.old_root), fromHex(p.new_root));
    }
    expect(() => verifyInclusion(0, 2, new Uint8Array(32), [new Uint8Array(32)], new Uint8Array(32))).toThrow();
  });
});
