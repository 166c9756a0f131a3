// C2SP/CCTV's Ed25519 edge-case vectors, read in place, and what our policy (log/ed25519.ts) says of each.
import { fromHex, utf8 } from "../log/bytes.js";
import { readTestdataJson } from "./testdata.js";

export type Ed25519Vector = {
  number: number;
  flags: string[];
  key: Uint8Array;
  sig: Uint8Array;
  msg: Uint8Array;
};

type RawVector = { number: number; key: string; sig: string; msg: string; flags: string[] | null };

export function ed25519Vectors(): Ed25519Vector[] {
  return readTestdataJson<RawVector[]>("ed25519", "ed25519vectors.json").map((v) => ({
    number: v.number,
    flags: v.flags ?? [],
    key: fromHex(v.key),
    sig: fromHex(v.sig),
    msg: utf8(v.msg),
  }));
}

// The policy in words: refuse anything flagged low-order, non-canonical, or with a residue
// that only a cofactored equation cancels. Only mixed-order points without residue remain.
const REFUSED = new Set(["low_order_A", "low_order_R", "non_canonical_A", "non_canonical_R", "low_order_residue"]);

export function policyAccepts(v: Ed25519Vector): boolean {
  return !v.flags.some((f) => REFUSED.has(f));
}

/** What ref10, Go and OpenSSL do (the vectors' README): refuse non_canonical_R and low_order_residue only. */
export function ref10Accepts(v: Ed25519Vector): boolean {
  return !v.flags.includes("non_canonical_R") && !v.flags.includes("low_order_residue");
}
