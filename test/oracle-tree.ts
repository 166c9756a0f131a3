// The oracle tree of ../shared/testdata/oracle (computed by Go's sumdb/tlog), loaded once per test file.
import { fromHex } from "../log/bytes.js";
import { nobleHasher, type Hash } from "../log/hash.js";
import { readTestdataJson } from "./testdata.js";

export interface OracleTiles {
  tree_size: number;
  tiles_of_tree: { path: string; sha256: string }[];
  growths: {
    old_size: number;
    new_size: number;
    published: { path: string; sha256: string; data_base64?: string }[];
  }[];
}

interface OracleMerkle {
  leaves: string[];
  roots: Record<string, string>;
}

let cached: { entries: Uint8Array[]; leafHashes: Hash[]; roots: Map<number, string> } | undefined;

/** The oracle's entries, their leaf hashes, and its roots by tree size (hex). */
export function oracleTree(): { entries: Uint8Array[]; leafHashes: Hash[]; roots: Map<number, string> } {
  if (!cached) {
    const m = readTestdataJson<OracleMerkle>("oracle", "merkle.json");
    const entries = m.leaves.map(fromHex);
    cached = {
      entries,
      leafHashes: entries.map((e) => nobleHasher.leafHash(e)),
      roots: new Map(Object.entries(m.roots).map(([k, v]) => [Number(k), v])),
    };
  }
  return cached;
}

export function oracleTiles(): OracleTiles {
  return readTestdataJson<OracleTiles>("oracle", "tiles.json");
}
