// bench:map's page script (bundled by esbuild, run in Chromium): verifies map proofs with the
// portable verifier and hasher the consumer page uses, and times them.
import { fromHex } from "../log/bytes.js";
import { defaultMapHasher } from "../log/map/hash.js";
import type { MapProof } from "../log/map/proof.js";
import { verifyMapProof } from "../log/map/verify.js";

export interface HexProof {
  key: string;
  siblings: string[];
  terminal: { kind: "empty" } | { kind: "leaf"; key: string; valueHash: string } | { kind: "value"; value: string };
}

function parse(p: HexProof): { key: Uint8Array; proof: MapProof } {
  const t = p.terminal;
  const terminal: MapProof["terminal"] =
    t.kind === "empty"
      ? t
      : t.kind === "leaf"
        ? { kind: "leaf", key: fromHex(t.key), valueHash: fromHex(t.valueHash) }
        : { kind: "value", value: fromHex(t.value) };
  return { key: fromHex(p.key), proof: { siblings: p.siblings.map(fromHex), terminal } };
}

/** Microseconds per proof over at least `ms` of verifying `pool` round and round (after a warm-up). */
function run(rootHex: string, pool: HexProof[], ms: number): { usPerProof: number; proofs: number } {
  const root = fromHex(rootHex);
  const parsed = pool.map(parse);
  for (const p of parsed) verifyMapProof(defaultMapHasher, root, p.key, p.proof);
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (const p of parsed) verifyMapProof(defaultMapHasher, root, p.key, p.proof);
    n += parsed.length;
    t = performance.now();
  }
  return { usPerProof: ((t - t0) * 1000) / n, proofs: n };
}

(globalThis as { benchMapVerify?: typeof run }).benchMapVerify = run;
