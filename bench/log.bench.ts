// The transparency log's benchmark (a command, not a test):
//
//   npm run bench:log [-- --quick]
//
// Prints a table and writes it as JSON to bench/results/log.json. Every target is a ratio to
// this machine's own limits measured in the same run (issue 2, "Benchmark"):
//   - integration >= 60% of the rate SHA-256 alone allows at two hashes an entry;
//   - proof verification >= 70% of the SHA-256 rate divided by the proof's length;
//   - proof generation at 10^7 entries, random indices, >= 20,000 a second, flat as the tree grows.
// "The SHA-256 rate" is the one-shot rate of a 64-byte input, one call per hash, by the faster of
// Node's crypto and WebAssembly on this machine. The log hashes with this runtime's one hasher
// (log/hasher.ts: WebAssembly); the sha256 and leaf rows compare it with Node's crypto in the same
// run, which is what that choice rests on. A WebAssembly path fold runs its hashes faster than any
// one-shot call (no crossing per hash); a row shows by how much.
// Node runs with the young-generation size labelreg runs with (bin/labelreg.mjs says why; the
// integrator runs inside the registry's sequencer, verification in `labelreg verify` or a client).
// Rates are medians of several timed repetitions after a warm-up (bench/measure.ts). Proof
// verification runs in a process of its own (bench/verify-proofs.ts), as a verifier does: not
// beside the 10^7-entry tree's tiles, whose heap would charge it for garbage it never made.
import * as crypto from "node:crypto";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { sha256 as nobleSha256Raw } from "@noble/hashes/sha2.js";
import { nobleEd25519, policyRejects, type Ed25519 } from "../log/ed25519.js";
import { toHex } from "../log/bytes.js";
import { nobleHasher, type Hash, type TreeHasher } from "../log/hash.js";
import { hasher } from "../log/hasher.js";
import { foldPathJs } from "../log/fold.js";
import { integrate } from "../log/integrate.js";
import { verifyConsistency, verifyInclusion } from "../log/proof.js";
import { proveConsistency, proveInclusion } from "../log/prove.js";
import { TileCache, TileHashReader } from "../log/tile-reader.js";
import { treeRoot } from "../log/tree.js";
import { emptyTreeState } from "../log/tree-state.js";
import { nodeEd25519 } from "../services/crypto/ed25519-node.js";
import { loadWasmSha256 } from "../log/sha256-wasm.js";
import { measureAsync, measureSync, measureSyncPair, prng, type MeasureOptions } from "./measure.js";
import { repoRoot } from "../test/testdata.js";
import { buildTileTree } from "./tile-tree.js";
import type { ProofPools, VerifyRates } from "./verify-proofs.js";

const quick = process.argv.includes("--quick");
const OPTS: MeasureOptions = quick ? { reps: 3, repMs: 100 } : { reps: 5, repMs: 150 };
// Rates judged as a ratio to SHA-256: many short interleaved pairs, their ratios' median.
const PAIR_OPTS: MeasureOptions = quick ? { reps: 5, repMs: 50 } : { reps: 15, repMs: 60 };
const BIG = quick ? 1_000_000 : 10_000_000;
const SIZES = [1_000, 100_000, BIG];
// Proof generation for random leaves needs each touched tile hashed up (255 hashes on a miss), so
// its rate depends on whether the cache holds the tree: about 16.5 KiB per full tile, ~64 bytes a
// leaf. The main rows give the reader a cache that can (memory reported); a second row at 10^7
// keeps the TileCache default of 64 MiB, to show the cost of misses.
const CACHE_BYTES = 1024 * 1024 * 1024;
const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;
const POOL = 1024; // precomputed proofs cycled through by the verification runs

interface Row {
  group: string;
  name: string;
  value: number;
  unit: string;
  /** The limit the target is a ratio of, in the same unit. */
  reference?: number;
  ratio?: number;
  target?: number;
  pass?: boolean;
  note?: string;
}
const rows: Row[] = [];

/** A row; its ratio is value / reference unless given (a median of paired ratios, see measureSyncPair). */
function record(row: Row): Row {
  if (row.reference !== undefined && row.ratio === undefined) row.ratio = row.value / row.reference;
  if (row.target !== undefined && row.ratio !== undefined) row.pass = row.ratio >= row.target;
  rows.push(row);
  const fmt = (x: number) => (x >= 100 ? Math.round(x).toLocaleString("en-US") : x.toPrecision(3));
  const ratio = row.ratio === undefined ? "" : ` ${(row.ratio * 100).toFixed(0)}% of ${fmt(row.reference!)}`;
  const verdict =
    row.pass === undefined
      ? ""
      : row.pass
        ? `  ok (target ${row.target! * 100}%)`
        : `  MISSED (target ${row.target! * 100}%)`;
  console.log(
    `${row.group.padEnd(12)} ${row.name.padEnd(44)} ${fmt(row.value).padStart(12)} ${row.unit.padEnd(9)}${ratio}${verdict}${row.note ? `  [${row.note}]` : ""}`,
  );
  return row;
}

/**
 * The hashes `run` makes with this runtime's hasher, for the work a run needs (never timed): its
 * methods are wrapped meanwhile, a fold counted one node hash at a time.
 */
function countHashes(run: () => void): number {
  let n = 0;
  const saved = { ...hasher };
  const h = hasher as TreeHasher;
  h.nodeHash = (l, r) => (n++, saved.nodeHash(l, r));
  h.leafHash = (e) => (n++, saved.leafHash(e));
  h.leafHashes = (es) => ((n += es.length), saved.leafHashes(es));
  h.foldPath = (seed, path, from, lefts, withOld) => foldPathJs(h, seed, path, from, lefts, withOld);
  try {
    run();
  } finally {
    Object.assign(h, saved);
  }
  return n;
}

/** Node's crypto as a tree hasher's node and leaf hash (input buffers reused), for comparison. */
const nodeLeafBuf = new Uint8Array(1 + 1024);
const nodeNodeBuf = new Uint8Array(65).fill(1, 0, 1);
const nodeCrypto = {
  leafHash: (e: Uint8Array) => (
    nodeLeafBuf.set(e, 1), oneShot("sha256", nodeLeafBuf.subarray(0, 1 + e.length), "buffer")
  ),
  nodeHash: (l: Uint8Array, r: Uint8Array) => (
    nodeNodeBuf.set(l, 1), nodeNodeBuf.set(r, 33), oneShot("sha256", nodeNodeBuf, "buffer")
  ),
};

const mib = (b: number) => Math.round(b / 2 ** 20);
function memory(): { rssMiB: number; heapUsedMiB: number; externalMiB: number; arrayBuffersMiB: number } {
  const m = process.memoryUsage();
  return {
    rssMiB: mib(m.rss),
    heapUsedMiB: mib(m.heapUsed),
    externalMiB: mib(m.external),
    arrayBuffersMiB: mib(m.arrayBuffers),
  };
}

const started = performance.now();
const cpu = cpus()[0]?.model ?? "unknown";
console.log(
  `machine: ${cpu}, ${cpus().length} cores, ${mib(totalmem())} MiB, Node ${process.version}${quick ? " (quick run)" : ""}\n`,
);

// ---- primitives: SHA-256 and Ed25519, Node crypto against @noble ----

const oneShot = (crypto as unknown as { hash: (alg: string, data: Uint8Array, enc: "buffer") => Uint8Array }).hash;
const wasm = loadWasmSha256();
if (wasm === undefined) throw new Error("the WebAssembly SHA-256 (log/sha256-wasm.ts) did not load");
const in64 = crypto.randomBytes(64);
const in1k = crypto.randomBytes(1024);
// One-shot digests of a 64-byte input, one call each: what "the SHA-256 rate" means below.
const RAW64 = {
  node: () => oneShot("sha256", in64, "buffer"),
  noble: () => nobleSha256Raw(in64),
  wasm: () => wasm.digest(in64),
};
const sha = {
  node64: await measureSync(RAW64.node, OPTS),
  noble64: await measureSync(RAW64.noble, OPTS),
  wasm64: await measureSync(RAW64.wasm, OPTS),
  node1k: await measureSync(() => oneShot("sha256", in1k, "buffer"), OPTS),
  noble1k: await measureSync(() => nobleSha256Raw(in1k), OPTS),
  wasm1k: await measureSync(() => wasm.digest(in1k), OPTS),
};
record({ group: "sha256", name: "node crypto, 64 B", value: sha.node64.perSecond, unit: "hash/s" });
record({ group: "sha256", name: "@noble/hashes, 64 B", value: sha.noble64.perSecond, unit: "hash/s" });
record({
  group: "sha256",
  name: "WebAssembly (log/sha256-wasm.ts), 64 B",
  value: sha.wasm64.perSecond,
  unit: "hash/s",
});
record({ group: "sha256", name: "node crypto, 1 KiB", value: sha.node1k.perSecond, unit: "hash/s" });
record({ group: "sha256", name: "@noble/hashes, 1 KiB", value: sha.noble1k.perSecond, unit: "hash/s" });
record({ group: "sha256", name: "WebAssembly, 1 KiB", value: sha.wasm1k.perSecond, unit: "hash/s" });
// The limit is the faster of the two one-shot rates, re-measured interleaved with each judged rate.
const SERVER_REF: "node" | "wasm" = sha.wasm64.perSecond >= sha.node64.perSecond ? "wasm" : "node";
const SHA_LIMIT = {
  server: Math.max(sha.node64.perSecond, sha.wasm64.perSecond),
  node: sha.node64.perSecond,
  wasm: sha.wasm64.perSecond,
  noble: sha.noble64.perSecond,
};
const REF = { server: RAW64[SERVER_REF], noble: RAW64.noble };

const leftHash = crypto.randomBytes(32);
const rightHash = crypto.randomBytes(32);
for (const [name, h, limit] of [
  ["node crypto", nodeCrypto, SHA_LIMIT.node],
  ["wasm", wasm, SHA_LIMIT.wasm],
  ["noble", nobleHasher, SHA_LIMIT.noble],
] as const) {
  const r = await measureSync(() => h.nodeHash(leftHash, rightHash), OPTS);
  record({
    group: "sha256",
    name: `${name} TreeHasher.nodeHash (65 B)`,
    value: r.perSecond,
    unit: "hash/s",
    reference: limit,
  });
}
// Inside one call, a fold pays no per-hash crossing: the rate a verifier's hashing runs at.
const foldPathHashes = Array.from({ length: 24 }, () => new Uint8Array(crypto.randomBytes(32)));
const foldSides = Uint8Array.from({ length: 24 }, (_, i) => i % 2);
const folded = await measureSync(() => wasm.foldPath(leftHash, foldPathHashes, 0, foldSides, false), OPTS);
record({
  group: "sha256",
  name: "wasm nodeHash in a 24-hash foldPath",
  value: folded.perSecond * 24,
  unit: "hash/s",
  reference: SHA_LIMIT.wasm,
});
for (const n of [64, 246, 310, 400]) {
  const entry = crypto.randomBytes(n);
  const w = await measureSync(() => wasm.leafHash(entry), OPTS);
  const c = await measureSync(() => nodeCrypto.leafHash(entry), OPTS);
  record({
    group: "leaf",
    name: `${n}-byte leaf: wasm / node crypto`,
    value: w.perSecond / c.perSecond,
    unit: "x",
    note: `${Math.round(w.perSecond).toLocaleString("en-US")} vs ${Math.round(c.perSecond).toLocaleString("en-US")} hash/s`,
  });
}

const message = new TextEncoder().encode("example.com/log\n123456789\nq4yDIPHEmKi4aHPFg3LwKU62UNlwPb5X2pSJ2lpgsdw=\n");
let nodePreparedVerify = 0;
for (const ed of [nodeEd25519, nobleEd25519] as Ed25519[]) {
  const signer = ed.signer(crypto.randomBytes(32));
  const sig = signer.sign(message);
  const prepared = ed.verifier(signer.publicKey);
  if (!ed.verify(signer.publicKey, message, sig) || !prepared(message, sig))
    throw new Error(`${ed.name}: own signature does not verify`);
  const edOpts = { ...OPTS, repMs: (OPTS.repMs ?? 200) / 2 };
  record({
    group: "ed25519",
    name: `${ed.name} sign`,
    value: (await measureSync(() => signer.sign(message), edOpts)).perSecond,
    unit: "op/s",
  });
  record({
    group: "ed25519",
    name: `${ed.name} verify`,
    value: (await measureSync(() => ed.verify(signer.publicKey, message, sig), edOpts)).perSecond,
    unit: "op/s",
  });
  const r = record({
    group: "ed25519",
    name: `${ed.name} verify, prepared key`,
    value: (await measureSync(() => prepared(message, sig), edOpts)).perSecond,
    unit: "op/s",
  });
  if (ed === nodeEd25519) nodePreparedVerify = r.value;
}
{
  // The Ed25519 policy's byte checks run before every server verification: they must cost a small
  // fraction of one (at least 20 times its rate).
  const signer = nodeEd25519.signer(crypto.randomBytes(32));
  const sig = signer.sign(message);
  const checks = await measureSync(() => policyRejects(signer.publicKey, sig), OPTS);
  record({
    group: "ed25519",
    name: "policy byte checks (policyRejects)",
    value: checks.perSecond,
    unit: "op/s",
    reference: nodePreparedVerify,
    target: 20,
  });
}

// ---- the integrator ----

const entryPool = Array.from({ length: 4096 }, () => new Uint8Array(crypto.randomBytes(64)));
{
  const name = "server";
  for (const batch of [1, 256, 4096]) {
    // The tree grows across the run, as a log's does; the work per entry does not depend on its size
    // beyond the root fold (one hash per 1 bit of the size, per batch).
    let state = emptyTreeState();
    let off = 0;
    const nextBatch = () => {
      if (off + batch > entryPool.length) off = 0;
      const b = entryPool.slice(off, off + batch);
      off += batch;
      return b;
    };
    const pair = await measureSyncPair(REF[name], () => (state = integrate(state, nextBatch()).state), {
      ...PAIR_OPTS,
      unitsPerOp: batch,
    });
    const r = pair.op;
    const shaNow = pair.ref.perSecond; // SHA-256 measured interleaved with this run
    let s = state;
    const probe = Math.max(1, Math.round(65536 / batch));
    const hashesPerEntry =
      countHashes(() => {
        for (let k = 0; k < probe; k++) s = integrate(s, nextBatch()).state;
      }) /
      (probe * batch);
    // The limit is SHA-256 at the hashes the batch needs: two an entry, plus the root fold (one hash
    // per 1 bit of the tree size) once per batch, which dominates batches of one and no others.
    record({
      group: "integrate",
      name: `${name}, batches of ${batch}`,
      value: r.perSecond,
      unit: "entry/s",
      reference: shaNow / Math.max(2, hashesPerEntry),
      ratio: pair.ratio * Math.max(2, hashesPerEntry),
      target: 0.6,
      note: `${hashesPerEntry.toFixed(2)} hashes/entry; ${((r.perSecond * 200) / shaNow).toFixed(0)}% of SHA-256/2; tree reached ${state.size.toLocaleString("en-US")}`,
    });
  }
}

// ---- a 10^7-entry tree as tiles in memory (setup, not measured as a rate) ----

const t0 = performance.now();
const tree = buildTileTree(BIG);
const buildSeconds = (performance.now() - t0) / 1000;
const afterBuild = memory();
record({
  group: "setup",
  name: `build ${BIG.toLocaleString("en-US")}-entry tree (integrator)`,
  value: buildSeconds,
  unit: "s",
  note: `${mib(tree.bytes)} MiB of tiles; rss ${afterBuild.rssMiB} MiB, heap ${afterBuild.heapUsedMiB} MiB, array buffers ${afterBuild.arrayBuffersMiB} MiB`,
});

// ---- proofs: generation from a TileHashReader, verification ----

interface ProofFigures {
  size: number;
  cacheBytes: number;
  cacheTiles: number;
  inclusionLength: number;
  consistencyLength: number;
}
const proofFigures: ProofFigures[] = [];
// Proofs handed to a separate verifier process (bench/verify-proofs.ts), with the hash counts.
const verifyPools: ProofPools["sizes"][number][] = [];
const verifyCounts = new Map<
  number,
  { label: string; incLen: number; conLen: number; incHashes: number; conHashes: number }
>();

for (const size of SIZES) {
  const cache = new TileCache(CACHE_BYTES);
  const reader = new TileHashReader(size, tree.fetch, { cache });
  const root = await treeRoot(reader, size);
  if (size === BIG) {
    // Fill the cache as a long-running server's would be: every tile read once (255 hashes each).
    const f0 = performance.now();
    for (let t = 0; t * 256 < size; t++)
      await reader.readHashes([{ level: 1, index: Math.min(t * 128, Math.floor(size / 2) - 1) }]);
    for (let t = 0; t * 65536 < size; t++)
      await reader.readHashes([{ level: 9, index: Math.min(t * 128, Math.floor(size / 512) - 1) }]);
    const m = memory();
    record({
      group: "setup",
      name: `fill the TileCache for n=${size.toExponential(0).replace("+", "")}`,
      value: (performance.now() - f0) / 1000,
      unit: "s",
      note: `cache ${mib(cache.bytes)} MiB in ${cache.size} tiles; rss ${m.rssMiB} MiB, heap ${m.heapUsedMiB} MiB, array buffers ${m.arrayBuffersMiB} MiB`,
    });
  }
  const rand = prng(size);
  const label = `n=${size.toExponential(0).replace("+", "")}`;

  // The cache fills during warm-up, so the rates are the steady state of a long-running server.
  const genOpts = { ...OPTS, warmupMs: quick ? 500 : 1500 };
  const gi = await measureAsync(() => proveInclusion(reader, Math.floor(rand() * size), size), genOpts);
  const gc = await measureAsync(() => proveConsistency(reader, 1 + Math.floor(rand() * (size - 1)), size), genOpts);

  // Verification pools: proofs made (and checked) before timing.
  const inc: { index: number; leaf: Hash; proof: Hash[] }[] = [];
  const con: { size1: number; root1: Hash; proof: Hash[] }[] = [];
  for (let k = 0; k < POOL; k++) {
    const index = Math.floor(rand() * size);
    const proof = await proveInclusion(reader, index, size);
    inc.push({ index, leaf: tree.leafHash(index), proof });
    const size1 = 1 + Math.floor(rand() * (size - 1));
    con.push({ size1, root1: await treeRoot(reader, size1), proof: await proveConsistency(reader, size1, size) });
  }
  const meanLen = (ps: { proof: Hash[] }[]) => ps.reduce((a, p) => a + p.proof.length, 0) / ps.length;
  const incLen = meanLen(inc);
  const conLen = meanLen(con);
  // The hashes the RFC 9162 algorithms compute, counted once (consistency recomputes both roots).
  const incHashes = countHashes(() => inc.forEach((p) => verifyInclusion(p.index, size, p.leaf, p.proof, root)));
  const conHashes = countHashes(() => con.forEach((p) => verifyConsistency(p.size1, size, p.proof, p.root1, root)));

  const genRef = 20_000;
  record({
    group: "prove",
    name: `inclusion ${label}`,
    value: gi.perSecond,
    unit: "proof/s",
    ...(size === BIG ? { reference: genRef, target: 1 } : {}),
    note: `${incLen.toFixed(1)} hashes`,
  });
  record({
    group: "prove",
    name: `consistency ${label}`,
    value: gc.perSecond,
    unit: "proof/s",
    ...(size === BIG ? { reference: genRef, target: 1 } : {}),
    note: `${conLen.toFixed(1)} hashes`,
  });

  verifyPools.push({
    size,
    root: toHex(root),
    inclusion: inc.map((p) => ({ index: p.index, leaf: toHex(p.leaf), proof: p.proof.map(toHex) })),
    consistency: con.map((p) => ({ size1: p.size1, root1: toHex(p.root1), proof: p.proof.map(toHex) })),
  });
  verifyCounts.set(size, { label, incLen, conLen, incHashes: incHashes / POOL, conHashes: conHashes / POOL });
  proofFigures.push({
    size,
    cacheBytes: cache.bytes,
    cacheTiles: cache.size,
    inclusionLength: incLen,
    consistencyLength: conLen,
  });

  if (size === BIG) {
    const small = new TileCache(DEFAULT_CACHE_BYTES);
    const r = new TileHashReader(size, tree.fetch, { cache: small });
    const g = await measureAsync(() => proveInclusion(r, Math.floor(rand() * size), size), genOpts);
    record({
      group: "prove",
      name: `inclusion ${label}, 64 MiB TileCache`,
      value: g.perSecond,
      unit: "proof/s",
      note: `cache ${mib(small.bytes)} MiB in ${small.size} tiles`,
    });
  }
}

// Flatness: generation at the largest size against the smallest, per proof and per proof hash
// (a proof is log2(n) hashes long, so per proof it cannot be flat; per hash it should be).
for (const kind of ["inclusion", "consistency"] as const) {
  const at = (size: number) =>
    rows.find((r) => r.group === "prove" && r.name === `${kind} n=${size.toExponential(0).replace("+", "")}`)!.value;
  const len = (size: number) =>
    proofFigures.find((p) => p.size === size)![kind === "inclusion" ? "inclusionLength" : "consistencyLength"];
  const big = BIG.toExponential(0).replace("+", "");
  record({ group: "flat", name: `prove ${kind}: ${big} vs 1e3, per proof`, value: at(BIG) / at(1_000), unit: "x" });
  record({
    group: "flat",
    name: `prove ${kind}: ${big} vs 1e3, per proof hash`,
    value: (at(BIG) * len(BIG)) / (at(1_000) * len(1_000)),
    unit: "x",
  });
}

// ---- proof verification, in a verifier process of its own (see bench/verify-proofs.ts) ----

const poolsFile = join(mkdtempSync(join(tmpdir(), "labelreg-log-bench-")), "pools.json");
writeFileSync(
  poolsFile,
  JSON.stringify({ options: PAIR_OPTS, serverReference: SERVER_REF, sizes: verifyPools } satisfies ProofPools),
);
const verifier = spawnSync(
  process.execPath,
  ["--max-semi-space-size=64", fileURLToPath(new URL("./verify-proofs.js", import.meta.url)), poolsFile],
  {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 1 << 20,
  },
);
rmSync(dirname(poolsFile), { recursive: true, force: true });
if (verifier.status !== 0) throw new Error(`bench/verify-proofs.ts failed with status ${verifier.status}`);
for (const v of JSON.parse(verifier.stdout) as VerifyRates[]) {
  const k = verifyCounts.get(v.size)!;
  record({
    group: "verify",
    name: `${v.hasher} inclusion ${k.label}`,
    value: v.inclusion.perSecond,
    unit: "proof/s",
    reference: v.inclusion.sha256PerSecond / k.incLen,
    ratio: v.inclusion.ratio * k.incLen,
    target: 0.7,
    note: `${k.incHashes.toFixed(1)} hashes/proof`,
  });
  record({
    group: "verify",
    name: `${v.hasher} consistency ${k.label}`,
    value: v.consistency.perSecond,
    unit: "proof/s",
    reference: v.consistency.sha256PerSecond / k.conLen,
    ratio: v.consistency.ratio * k.conLen,
    target: 0.7,
    note:
      `${k.conHashes.toFixed(1)} hashes/proof (both roots); ` +
      `${((v.consistency.perSecond * k.conHashes * 100) / v.consistency.sha256PerSecond).toFixed(0)}% of the one-shot SHA-256 rate at that count`,
  });
}

const afterProofs = memory();
const seconds = (performance.now() - started) / 1000;
console.log(
  `\nmemory after proofs: rss ${afterProofs.rssMiB} MiB, heap ${afterProofs.heapUsedMiB} MiB, array buffers ${afterProofs.arrayBuffersMiB} MiB; ` +
    proofFigures.map((p) => `TileCache at n=${p.size}: ${mib(p.cacheBytes)} MiB in ${p.cacheTiles} tiles`).join("; "),
);
const missed = rows.filter((r) => r.pass === false);
console.log(
  `${missed.length === 0 ? "all targets met" : `${missed.length} target(s) missed`}; ${seconds.toFixed(0)} s in all`,
);

const out = join(repoRoot, "bench", "results", "log.json");
mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  JSON.stringify(
    {
      command: quick ? "npm run bench:log -- --quick" : "npm run bench:log",
      date: new Date().toISOString(),
      machine: { cpu, cores: cpus().length, memoryMiB: mib(totalmem()), node: process.version },
      method: {
        ...OPTS,
        statistic: "median of CPU-time rates; ratios to SHA-256: median of interleaved pairs' ratios",
        pairs: PAIR_OPTS,
        tileCacheMaxBytes: CACHE_BYTES,
        defaultTileCacheMaxBytes: DEFAULT_CACHE_BYTES,
        verificationPool: POOL,
      },
      setup: {
        treeSize: BIG,
        buildSeconds,
        tileBytes: tree.bytes,
        memoryAfterBuild: afterBuild,
        memoryAfterProofs: afterProofs,
        proofs: proofFigures,
      },
      seconds,
      rows,
    },
    null,
    2,
  ) + "\n",
);
console.log(`wrote ${out}`);
