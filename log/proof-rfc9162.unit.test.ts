// The language-neutral vectors of transparency-dev/merkle (rfc9162-merkle/): every happy path
// verifies, every tampered case (wantErr) is rejected with a ProofError.
import { describe, expect, it } from "vitest";
import { listTestdataJson, readTestdataJson } from "../test/testdata.js";
import { fromBase64 } from "./bytes.js";
import { verifyConsistency, verifyInclusion, type ConsistencyOptions } from "./proof.js";
import { proofOutcome } from "../test/proof-outcome.js";
import { verifySubtreeInclusion } from "./subtree-proof.js";

interface InclusionCase {
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null; // Go encodes an empty slice as null
  wantErr: boolean;
}
interface ConsistencyCase {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  wantErr: boolean;
}
interface SubtreeInclusionCase extends Omit<InclusionCase, "treeSize"> {
  start: number;
  end: number;
}

const b64 = fromBase64;
const proofOf = (p: string[] | null) => (p ?? []).map(b64);

/**
 * Cases the vectors accept and this library rejects on purpose: their roots are 12 bytes
 * ("don't care"), and a root that is not a 32-byte SHA-256 digest is refused up front (BAD_HASH)
 * instead of being compared byte for byte with another non-hash.
 */
const STRICTER = new Set(["consistency/additional/sizes-are-equal-one-and-proof-is-empty.json"]);

function cases<T>(folder: string): { name: string; c: T }[] {
  return listTestdataJson("rfc9162-merkle", folder).map(({ rel }) => ({
    name: `${folder}/${rel}`,
    c: readTestdataJson<T>("rfc9162-merkle", folder, rel),
  }));
}

describe("rfc9162-merkle/inclusion", () => {
  const all = cases<InclusionCase>("inclusion");
  it("has its cases, in every subfolder", () => {
    expect(all.length).toBeGreaterThan(80);
    for (const sub of ["0/", "1/", "4/", "single-entry/"])
      expect(all.some((x) => x.name.startsWith(`inclusion/${sub}`))).toBe(true);
  });
  it.each(all.map((x) => [x.name, x.c] as const))("%s", (name, c) => {
    const got = proofOutcome(() =>
      verifyInclusion(c.leafIdx, c.treeSize, b64(c.leafHash), proofOf(c.proof), b64(c.root)),
    );
    // The server's hasher folds paths in WebAssembly: the same outcome on every case.
    expect(
      proofOutcome(() => verifyInclusion(c.leafIdx, c.treeSize, b64(c.leafHash), proofOf(c.proof), b64(c.root))),
    ).toBe(got);
    if (c.wantErr) expect(got, name).not.toBe("ok");
    else expect(got, name).toBe(STRICTER.has(name) ? "BAD_HASH" : "ok");
  });
});

describe.each<[string, ConsistencyOptions]>([
  ["RFC 9162 mode", {}],
  ["tlog-witness mode (empty proofs from size 0)", { emptyOldTree: "accept" }],
])("rfc9162-merkle/consistency, %s", (_mode, options) => {
  const all = cases<ConsistencyCase>("consistency");
  it("has its cases, in every subfolder", () => {
    expect(all.length).toBeGreaterThan(80);
    for (const sub of ["0/", "1/", "4/", "additional/"])
      expect(all.some((x) => x.name.startsWith(`consistency/${sub}`))).toBe(true);
  });
  it.each(all.map((x) => [x.name, x.c] as const))("%s", (name, c) => {
    const got = proofOutcome(() =>
      verifyConsistency(c.size1, c.size2, proofOf(c.proof), b64(c.root1), b64(c.root2), options),
    );
    expect(
      proofOutcome(() => verifyConsistency(c.size1, c.size2, proofOf(c.proof), b64(c.root1), b64(c.root2), options)),
    ).toBe(got);
    if (c.wantErr) expect(got, name).not.toBe("ok");
    else expect(got, name).toBe(STRICTER.has(name) ? "BAD_HASH" : "ok");
  });
  it("lists only deviations that exist", () => {
    for (const name of STRICTER) expect(all.find((x) => x.name === name)?.c.wantErr).toBe(false);
  });
});

describe("rfc9162-merkle/subtreeinclusion (draft-ietf-plants-merkle-tree-certs)", () => {
  const all = cases<SubtreeInclusionCase>("subtreeinclusion");
  it("has its cases, including subtrees that do not start at 0", () => {
    expect(all.length).toBeGreaterThan(80);
    expect(all.some((x) => x.c.start > 0 && !x.c.wantErr)).toBe(true);
  });
  it.each(all.map((x) => [x.name, x.c] as const))("%s", (name, c) => {
    const got = proofOutcome(() =>
      verifySubtreeInclusion(c.leafIdx, c.start, c.end, b64(c.leafHash), proofOf(c.proof), b64(c.root)),
    );
    if (c.wantErr) expect(got, name).not.toBe("ok");
    else expect(got, name).toBe("ok");
  });
});
