// Proof verification rates, measured in a process of their own (run by bench/log.bench.ts):
//
//   node dist/bench/verify-proofs.js <pools.json>   → one JSON line on stdout
//
// A verifier is a separate program from the log (a browser, an auditor, a marketplace's client):
// it holds proofs and checkpoints, not the log's tiles. Measured inside the benchmark's main
// process, verification ran beside the 10^7-entry tree's ~600 MiB of tiles and paid for that
// heap's garbage collection, a cost no real verifier has. Each rate is interleaved with the
// SHA-256 reference it is compared against (measureSyncPair), in this same process.
import * as crypto from "node:crypto";
import { readFileSync } from "node:fs";
import { fromHex } from "../log/bytes.js";
import type { Hash } from "../log/hash.js";
import { verifyConsistency, verifyInclusion } from "../log/proof.js";
import { loadWasmSha256 } from "../log/sha256-wasm.js";
import { measureSyncPair, type MeasureOptions } from "./measure.js";

/** What the benchmark hands over, hashes in hex. */
export interface ProofPools {
  readonly options: MeasureOptions;
  /** Which one-shot SHA-256 the server hasher's rates are compared with: the faster on this machine. */
  readonly serverReference: "node" | "wasm";
  readonly sizes: {
    readonly size: number;
    readonly root: string;
    readonly inclusion: { index: number; leaf: string; proof: string[] }[];
    readonly consistency: { size1: number; root1: string; proof: string[] }[];
  }[];
}

/** Per size and hasher: proofs/s and the SHA-256 (64-byte) rate interleaved with them. */
export interface VerifyRates {
  readonly size: number;
  /** server: this runtime's hasher (log/hasher.ts). */
  readonly hasher: "server";
  /** ratio: the median over interleaved pairs of repetitions of proofs/s over SHA-256/s. */
  readonly inclusion: { perSecond: number; sha256PerSecond: number; ratio: number };
  readonly consistency: { perSecond: number; sha256PerSecond: number; ratio: number };
}

async function main(file: string): Promise<void> {
  const pools = JSON.parse(readFileSync(file, "utf8")) as ProofPools;
  const in64 = crypto.randomBytes(64);
  const oneShot = (crypto as unknown as { hash: (alg: string, data: Uint8Array, enc: "buffer") => Uint8Array }).hash;
  const wasm = loadWasmSha256()!;
  const RAW64 = { node: () => oneShot("sha256", in64, "buffer"), wasm: () => wasm.digest(in64) };
  const REF = { server: RAW64[pools.serverReference] };
  const out: VerifyRates[] = [];
  for (const s of pools.sizes) {
    const root = fromHex(s.root);
    const hashes = (xs: string[]): Hash[] => xs.map(fromHex);
    const inc = s.inclusion.map((p) => ({ index: p.index, leaf: fromHex(p.leaf), proof: hashes(p.proof) }));
    const con = s.consistency.map((p) => ({ size1: p.size1, root1: fromHex(p.root1), proof: hashes(p.proof) }));
    {
      const name = "server";
      const pi = await measureSyncPair(
        REF[name],
        (i) => {
          const p = inc[i % inc.length]!;
          verifyInclusion(p.index, s.size, p.leaf, p.proof, root);
        },
        pools.options,
      );
      const pc = await measureSyncPair(
        REF[name],
        (i) => {
          const p = con[i % con.length]!;
          verifyConsistency(p.size1, s.size, p.proof, p.root1, root);
        },
        pools.options,
      );
      out.push({
        size: s.size,
        hasher: name,
        inclusion: { perSecond: pi.op.perSecond, sha256PerSecond: pi.ref.perSecond, ratio: pi.ratio },
        consistency: { perSecond: pc.op.perSecond, sha256PerSecond: pc.ref.perSecond, ratio: pc.ratio },
      });
    }
  }
  process.stdout.write(JSON.stringify(out) + "\n");
}

const file = process.argv[2];
if (!file) {
  console.error("usage: node dist/bench/verify-proofs.js <pools.json>");
  process.exit(2);
}
await main(file);
