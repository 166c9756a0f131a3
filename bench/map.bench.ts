// The state map's benchmark (a command, not a test):
//
//   npm run bench:map [-- --quick]
//
// Prints a table and writes it as JSON to bench/results/map.json. Targets, each against a limit
// measured in the same run:
//   - batch updates >= 50% of the rate the hashes on the touched paths allow: the leaf and node
//     hashes a batch computes are counted, and each costs one one-shot SHA-256 of 65 bytes at the
//     rate measured here (plus one SHA-256 of the value per key, at its size);
//   - proofs under 1 KB, and their verification flat in log n, at 10^4, 10^6 and 10^7 keys;
//   - under 1 ms per proof verified in Chromium, with the portable hasher the consumer page uses.
// "SHA-256" is this runtime's one SHA-256 (log/hasher.ts), which the map hasher digests with.
// The 10^7-key map does not fit in the in-memory node store: its root and proofs come from a
// recursion over sorted keys (bench/map-stream.ts), checked here against the real map at 10^4.
import * as crypto from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { chromium } from "playwright-core";
import { toHex } from "../log/bytes.js";
import { compareKeys, mapHasherFromDigest, type MapHasher } from "../log/map/hash.js";
import type { MapProof } from "../log/map/proof.js";
import { proveKeys } from "../log/map/prove.js";
import { MemoryMapNodeStore } from "../log/map/store.js";
import { updateMap, type MapEntry } from "../log/map/update.js";
import { verifyMapProof } from "../log/map/verify.js";
import { sha256 } from "../log/hasher.js";
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import { encodeMapProof } from "../services/domain/map-wire.js";
import type { HexProof } from "./map-browser.js";
import { streamMap } from "./map-stream.js";
import { repoRoot } from "../test/testdata.js";
import { measureSync, measureSyncPair, prng, type MeasureOptions } from "./measure.js";

const quick = process.argv.includes("--quick");
const OPTS: MeasureOptions = quick ? { reps: 3, repMs: 100 } : { reps: 5, repMs: 200 };
const PAIR_OPTS: MeasureOptions = quick ? { reps: 5, repMs: 60 } : { reps: 11, repMs: 100 };
const BASE = quick ? 100_000 : 1_000_000;
const SIZES = quick ? [10_000, 100_000, 1_000_000] : [10_000, 1_000_000, 10_000_000];
const BATCHES = [100, 1_000, 10_000];
/** About the size of a label's MapValue (test/vectors/state-map.json's labels are 330-420 bytes). */
const VALUE_BYTES = 400;
const TARGETS = 500; // present keys, and as many absent ones, proved at each size

interface Row {
  group: string;
  name: string;
  value: number;
  unit: string;
  reference?: number;
  ratio?: number;
  target?: number;
  /** For "at most" targets (sizes, times): pass when value <= limit. */
  limit?: number;
  pass?: boolean;
  note?: string;
}
const rows: Row[] = [];

function record(row: Row): Row {
  if (row.reference !== undefined && row.ratio === undefined) row.ratio = row.value / row.reference;
  if (row.target !== undefined && row.ratio !== undefined) row.pass = row.ratio >= row.target;
  if (row.limit !== undefined) row.pass = row.value <= row.limit;
  rows.push(row);
  const fmt = (x: number) => (x >= 100 ? Math.round(x).toLocaleString("en-US") : x.toPrecision(3));
  const ratio = row.ratio === undefined ? "" : ` ${(row.ratio * 100).toFixed(0)}% of ${fmt(row.reference!)}`;
  const goal = row.target !== undefined ? `target ${row.target * 100}%` : `limit ${row.limit}`;
  const verdict = row.pass === undefined ? "" : row.pass ? `  ok (${goal})` : `  MISSED (${goal})`;
  console.log(
    `${row.group.padEnd(8)} ${row.name.padEnd(50)} ${fmt(row.value).padStart(12)} ${row.unit.padEnd(8)}${ratio}${verdict}${row.note ? `  [${row.note}]` : ""}`,
  );
  return row;
}

const mib = (b: number) => Math.round(b / 2 ** 20);
const exp = (n: number) => n.toExponential(0).replace("+", "");
console.log(
  `machine: ${cpus()[0]?.model ?? "unknown"}, ${cpus().length} cores, ${mib(totalmem())} MiB, Node ${process.version}${quick ? " (quick run)" : ""}\n`,
);

// ---- SHA-256, the limit every rate is judged against ----

const in65 = new Uint8Array(crypto.randomBytes(65));
const value = new Uint8Array(crypto.randomBytes(VALUE_BYTES));
const sha65 = (await measureSync(() => sha256(in65), OPTS)).perSecond;
const shaValue = (await measureSync(() => sha256(value), OPTS)).perSecond;
const nobleMapHasher = mapHasherFromDigest((d: Uint8Array) => nobleSha256(d));
const noble65 = (await measureSync(() => nobleMapHasher.digest(in65), OPTS)).perSecond;
record({ group: "sha256", name: "65 B (a leaf or node hash's input), server", value: sha65, unit: "hash/s" });
record({ group: "sha256", name: `${VALUE_BYTES} B (a value), server`, value: shaValue, unit: "hash/s" });
record({ group: "sha256", name: "65 B, @noble/hashes (browsers)", value: noble65, unit: "hash/s" });

const server = mapHasherFromDigest(sha256);
const nodeHashRate = (await measureSync(() => server.nodeHash(in65.subarray(1, 33), in65.subarray(33)), OPTS))
  .perSecond;
record({ group: "sha256", name: "MapHasher.nodeHash, server", value: nodeHashRate, unit: "hash/s", reference: sha65 });

// ---- batch updates ----

function randomEntries(n: number, valueAt: (i: number) => Uint8Array): MapEntry[] {
  const keys = new Uint8Array(32 * n);
  crypto.randomFillSync(keys);
  return Array.from({ length: n }, (_, i) => ({ key: keys.subarray(32 * i, 32 * i + 32), value: valueAt(i) }));
}

const store = new MemoryMapNodeStore();
const t0 = performance.now();
updateMap(
  store,
  server,
  randomEntries(BASE, (i) => Uint8Array.of(i & 255, (i >> 8) & 255, i >> 16)),
);
const heap = process.memoryUsage();
record({
  group: "setup",
  name: `build a ${exp(BASE)}-key map in one batch`,
  value: (performance.now() - t0) / 1000,
  unit: "s",
  note: `${store.size.toLocaleString("en-US")} nodes; heap ${mib(heap.heapUsed)} MiB, rss ${mib(heap.rss)} MiB`,
});

// Judged as a pair (bench/measure.ts measureSyncPair): each update of a batch against the same
// number of SHA-256 calls on inputs of the same sizes, their repetitions interleaved, so the
// ratio holds while the machine's load drifts.
for (const b of [1, ...BATCHES]) {
  // Hashes a batch of this size computes, counted on batches outside the timed runs.
  const h0 = server.hashes;
  const counted = Math.max(5, Math.ceil(2000 / b));
  for (let r = 0; r < counted; r++)
    updateMap(
      store,
      server,
      randomEntries(b, () => value),
    );
  const perKey = (server.hashes - h0) / (counted * b);
  const nodeHashes = Math.round(perKey * b);
  const hashesOfABatch = () => {
    for (let i = 0; i < nodeHashes; i++) sha256(in65);
    for (let i = 0; i < b; i++) sha256(value);
  };
  const pair = await measureSyncPair(
    hashesOfABatch,
    () =>
      updateMap(
        store,
        server,
        randomEntries(b, () => value),
      ),
    PAIR_OPTS,
  );
  const rate = pair.op.perSecond * b;
  record({
    group: "update",
    name:
      b === 1
        ? "batches of 1 key (nothing shared)"
        : `batches of ${b.toLocaleString("en-US")} new keys into ~${exp(BASE)}`,
    value: rate,
    unit: "keys/s",
    reference: rate / pair.ratio,
    ratio: pair.ratio,
    target: b === 1 ? undefined : 0.5,
    note: `${perKey.toFixed(1)} leaf+node hashes a key + 1 value hash of ${VALUE_BYTES} B`,
  });
}

// ---- proofs: size, verification in Node and in Chromium ----

/** n distinct random keys in order, flat: sorted random 48-bit prefixes, random tails. */
function sortedKeys(n: number, seed: number): Uint8Array {
  const rand = prng(seed);
  const prefix = new Float64Array(n);
  for (let i = 0; i < n; i++) prefix[i] = Math.floor(rand() * 2 ** 32) * 2 ** 16 + Math.floor(rand() * 2 ** 16);
  prefix.sort();
  const keys = new Uint8Array(32 * n);
  crypto.randomFillSync(keys);
  let m = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0 && prefix[i] === prefix[i - 1]) continue;
    const p = prefix[i]!;
    const hi = Math.floor(p / 2 ** 16);
    const k = 32 * m++;
    keys[k] = hi >>> 24;
    keys[k + 1] = (hi >>> 16) & 255;
    keys[k + 2] = (hi >>> 8) & 255;
    keys[k + 3] = hi & 255;
    keys[k + 4] = (p % 2 ** 16) >>> 8;
    keys[k + 5] = p % 256;
    if (m - 1 !== i) keys.copyWithin(k + 6, 32 * i + 6, 32 * i + 32);
  }
  return keys.subarray(0, 32 * m);
}

const valueAt = (i: number) => Uint8Array.of(i & 255, (i >> 8) & 255, (i >> 16) & 255, i >>> 24);
interface Pool {
  n: number;
  root: Uint8Array;
  items: { key: Uint8Array; proof: MapProof }[];
}
const pools: Pool[] = [];

for (const n of SIZES) {
  const built = performance.now();
  const keys = sortedKeys(n, n);
  const count = keys.length / 32;
  const rand = prng(n + 1);
  const picked = new Set<number>();
  while (picked.size < TARGETS) picked.add(Math.floor(rand() * count));
  const present = [...picked].map((i) => ({ key: keys.subarray(32 * i, 32 * i + 32), value: valueAt(i) }));
  const absent = Array.from({ length: TARGETS }, () => new Uint8Array(crypto.randomBytes(32)));
  const targets = [...present.map((p) => p.key), ...absent].sort(compareKeys);
  const flat = new Uint8Array(32 * targets.length);
  targets.forEach((t, i) => flat.set(t, 32 * i));
  const streamed = streamMap(server, keys, valueAt, flat);
  const valueByKey = new Map(present.map((p) => [toHex(p.key), p.value]));
  const items = targets.map((key, i) => {
    const p = streamed.proofs[i]!;
    const v = valueByKey.get(toHex(key));
    return {
      key,
      proof: v === undefined ? p : { siblings: p.siblings, terminal: { kind: "value" as const, value: v } },
    };
  });
  if (n === SIZES[0]) {
    // The streamed map is the real one: same root, same proofs.
    const real = new MemoryMapNodeStore();
    const root = updateMap(
      real,
      server,
      Array.from({ length: count }, (_, i) => ({ key: keys.subarray(32 * i, 32 * i + 32), value: valueAt(i) })),
    );
    if (toHex(root) !== toHex(streamed.root)) throw new Error("bench/map-stream.ts disagrees with the map's root");
    const realProofs = proveKeys(real, targets);
    realProofs.forEach((p, i) => {
      if (
        p.siblings.map(toHex).join() !== streamed.proofs[i]!.siblings.map(toHex).join() ||
        p.terminal.kind !== streamed.proofs[i]!.terminal.kind
      ) {
        throw new Error("bench/map-stream.ts disagrees with the map's proofs");
      }
    });
  }
  for (const it of items) verifyMapProof(server, streamed.root, it.key, it.proof);
  pools.push({ n, root: streamed.root, items });
  record({
    group: "setup",
    name: `stream a ${exp(n)}-key map and ${2 * TARGETS} proofs`,
    value: (performance.now() - built) / 1000,
    unit: "s",
  });

  // Sizes as sent (MapProof encoding), the value itself left out of a proof of presence.
  const sizes = items
    .map(
      (it) =>
        encodeMapProof(it.proof).length - (it.proof.terminal.kind === "value" ? it.proof.terminal.value.length + 2 : 0),
    )
    .sort((a, b) => a - b);
  const depths = items.map((it) => it.proof.siblings.length);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  record({
    group: "proof",
    name: `n=${exp(n)}: size, mean`,
    value: mean(sizes),
    unit: "bytes",
    note: `depth mean ${mean(depths).toFixed(1)}, max ${Math.max(...depths)}`,
  });
  record({
    group: "proof",
    name: `n=${exp(n)}: size, largest of ${items.length}`,
    value: sizes[sizes.length - 1]!,
    unit: "bytes",
    limit: 1024,
  });
  for (const [name, h] of [
    ["server", server],
    ["noble", nobleMapHasher],
  ] as [string, MapHasher][]) {
    const r = await measureSync(
      (i) => verifyMapProof(h, streamed.root, items[i % items.length]!.key, items[i % items.length]!.proof),
      OPTS,
    );
    record({
      group: "verify",
      name: `n=${exp(n)}: ${name} hasher`,
      value: 1e6 / r.perSecond,
      unit: "us/proof",
      note: `${Math.round(r.perSecond).toLocaleString("en-US")} proofs/s`,
    });
  }
}

// ---- Chromium ----

const hex = (it: { key: Uint8Array; proof: MapProof }): HexProof => {
  const t = it.proof.terminal;
  return {
    key: toHex(it.key),
    siblings: it.proof.siblings.map(toHex),
    terminal:
      t.kind === "empty"
        ? t
        : t.kind === "leaf"
          ? { kind: "leaf", key: toHex(t.key), valueHash: toHex(t.valueHash) }
          : { kind: "value", value: toHex(t.value) },
  };
};
try {
  const esbuild = await import("esbuild");
  const bundle = await esbuild.build({
    entryPoints: [join(repoRoot, "bench", "map-browser.ts")],
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "es2022",
    minify: true,
    write: false,
    logLevel: "silent",
  });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--headless",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  try {
    const page = await browser.newPage();
    await page.setContent("<!doctype html><title>bench:map</title>");
    await page.addScriptTag({ content: bundle.outputFiles[0]!.text });
    for (const p of pools) {
      const arg = { root: toHex(p.root), pool: p.items.map(hex), ms: quick ? 300 : 1000 };
      const r = await page.evaluate(
        (a) =>
          (
            globalThis as unknown as {
              benchMapVerify: (r: string, p: HexProof[], ms: number) => { usPerProof: number; proofs: number };
            }
          ).benchMapVerify(a.root, a.pool, a.ms),
        arg,
      );
      record({
        group: "chromium",
        name: `n=${exp(p.n)}: verify a proof (@noble/hashes)`,
        value: r.usPerProof / 1000,
        unit: "ms",
        limit: 1,
        note: `${r.proofs.toLocaleString("en-US")} proofs timed`,
      });
    }
  } finally {
    await browser.close();
  }
} catch (e) {
  record({
    group: "chromium",
    name: "not measured",
    value: NaN,
    unit: "",
    note: e instanceof Error ? e.message.split("\n")[0] : String(e),
  });
}

const out = join(repoRoot, "bench", "results", "map.json");
mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  JSON.stringify(
    {
      machine: { cpu: cpus()[0]?.model, cores: cpus().length, memoryMiB: mib(totalmem()), node: process.version },
      quick,
      rows,
    },
    null,
    2,
  ) + "\n",
);
console.log(`\nwrote ${out}`);
