// What a sequencing run costs in memory on an existing log (a command, not a test): the peak RSS
// while new labels are sequenced, and what the heap holds at the end.
//
//   node --expose-gc dist/bench/seq-memory.js --dir <data dir> [--count 20000] [--window 4096]
//        [--issuers 2000] [--child] [--child-heap-mb 16384] [--child-node-args "..."] [--snapshot-at-mb N]
//        [-- <serve flags>...]
//
// The data directory is appended to: run it on a copy (e.g. of bench:scale's log).
// In this process (the default): a Registry over the directory's SQLite store, fed `--count` new
// labels (bench/scale-log.ts, as bench:scale's sequencing run), `--window` in flight; samples
// process.memoryUsage() and the caches' own accounting every few milliseconds and reports them at
// the RSS peak; at the end it empties each cache in turn under gc() and reports what the heap
// gave back, which is what that cache held.
// With `--child`: the built `labelreg serve` in a child process (serve flags after `--`), fed the
// same labels over a SubmitBulk stream (4 streams of `--window / 4`), its VmRSS sampled from
// /proc; `--snapshot-at-mb` sends it SIGUSR2 (a heap snapshot, in /tmp) once its RSS passes N MiB.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { getHeapSpaceStatistics } from "node:v8";
import { devAuthorityKeyPath, logKeyPath } from "../app/server.js";
import { SubmitBulkRequest } from "../proto/gen/messages/labelreg/v1/issuance_service.js";
import { loadOrCreateSignerKey } from "../services/config/key-files.js";
import { Registry } from "../services/registry.js";
import { openSqliteStore } from "../services/store/sqlite.js";
import { startRegistryChild } from "../test/registry-child.js";
import { judgeSubmitBulk, rawClient, streaming } from "./load.js";
import { newLabelStatements } from "./scale-log.js";

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    dir: { type: "string" },
    count: { type: "string", default: "20000" },
    window: { type: "string", default: "4096" },
    issuers: { type: "string", default: "2000" },
    child: { type: "boolean", default: false },
    "snapshot-at-mb": { type: "string" },
    "sample-ms": { type: "string", default: "10" },
    "map-cache-mb": { type: "string" },
    "child-heap-mb": { type: "string", default: "16384" },
    "child-node-args": { type: "string", default: "" },
  },
});
if (!args.dir) throw new Error("--dir <data dir> is required");
const dir = args.dir;
const count = Number(args.count);
const window = Number(args.window);
const issuers = Number(args.issuers);
const sampleMs = Number(args["sample-ms"]);
const MB = 1024 * 1024;
const mb = (b: number) => Math.round(b / MB);

if (args.child) await childRun();
else await inProcessRun();

async function childRun(): Promise<void> {
  const snapshotAt = args["snapshot-at-mb"] === undefined ? Infinity : Number(args["snapshot-at-mb"]);
  const server = await startRegistryChild({
    dataDir: dir,
    args: positionals,
    nodeArgs: [
      `--max-old-space-size=${Number(args["child-heap-mb"])}`,
      "--heapsnapshot-signal=SIGUSR2",
      "--diagnostic-dir=/tmp",
      ...args["child-node-args"].split(" ").filter((a) => a !== ""),
    ],
    startTimeoutMs: 600_000,
  });
  const pid = server.child.pid!;
  const status = () => {
    const s = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (f: string) => Number(new RegExp(`^${f}:\\s+(\\d+) kB`, "m").exec(s)?.[1] ?? NaN);
    return { rss: kb("VmRSS") / 1024, hwm: kb("VmHWM") / 1024 };
  };
  const start = status();
  console.log(
    `serving ${server.treeSize} entries; RSS ${start.rss.toFixed(0)} MiB (peak so far ${start.hwm.toFixed(0)})`,
  );
  const requests = newLabelStatements(count, server.treeSize, server.origin, issuers).map((signedStatement, k) =>
    Buffer.from(SubmitBulkRequest.encode({ sequence: BigInt(k + 1), signedStatement }).finish()),
  );
  let peak = 0;
  let snapped = false;
  const timer = setInterval(() => {
    const { rss } = status();
    peak = Math.max(peak, rss);
    if (!snapped && rss > snapshotAt) {
      snapped = true;
      server.child.kill("SIGUSR2");
      console.log(`heap snapshot asked for at RSS ${rss.toFixed(0)} MiB`);
    }
  }, sampleMs);
  const client = rawClient(server.address);
  const run = await streaming(
    "SubmitBulk",
    client,
    "/labelreg.v1.IssuanceService/SubmitBulk",
    requests,
    4,
    window / 4,
    judgeSubmitBulk,
  );
  client.close();
  clearInterval(timer);
  const end = status();
  console.log(
    `sequenced ${run.ok}/${count} (${run.rate.toFixed(0)}/s, errors ${JSON.stringify(run.errors)}); RSS peak while sequencing ${peak.toFixed(0)} MiB, at the end ${end.rss.toFixed(0)}, VmHWM ${end.hwm.toFixed(0)}`,
  );
  await server.stop();
}

async function inProcessRun(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with node --expose-gc");
  const store = await openSqliteStore({ dir });
  const { signer: logSigner } = loadOrCreateSignerKey(logKeyPath(dir), "unused");
  const { signer: authority } = loadOrCreateSignerKey(devAuthorityKeyPath(dir), "unused");
  const registry = await Registry.open({
    store,
    logSigner,
    authorityPublicKey: authority.publicKey,
    rateLimit: { perSecond: 1e9, burst: 1e9 },
    ...(args["map-cache-mb"] ? { mapCacheBytes: Number(args["map-cache-mb"]) * MB } : {}),
  });
  const view = registry.view;
  const state = () => view.state;
  const caches = () => {
    const s = state();
    // The stored map's node cache is the view's private business: read for this report only.
    const mapCache = (view as unknown as { storedMap?: { cache: { bytes: number; size: number } } }).storedMap?.cache;
    return {
      labels: s.labels.size,
      products: s.productLabels.size,
      manufacturers: s.manufacturerProducts.size,
      requests: s.requests.size,
      tileMb: mb(view.tileCache.bytes),
      mapCacheMb: mb(mapCache?.bytes ?? 0),
    };
  };
  const usage = () => {
    const u = process.memoryUsage();
    const proc = readFileSync("/proc/self/status", "utf8");
    const kb = (f: string) => Number(new RegExp(`^${f}:\\s+(\\d+) kB`, "m").exec(proc)?.[1] ?? NaN);
    // Each V8 space: used / reserved, MiB.
    const spaces = Object.fromEntries(
      getHeapSpaceStatistics().map((s) => [s.space_name, `${mb(s.space_used_size)}/${mb(s.space_size)}`]),
    );
    return {
      rss: mb(u.rss),
      rssAnon: Math.round(kb("RssAnon") / 1024),
      heapUsed: mb(u.heapUsed),
      heapTotal: mb(u.heapTotal),
      external: mb(u.external),
      arrayBuffers: mb(u.arrayBuffers),
      spaces,
    };
  };
  gc();
  console.log(`opened at ${view.size} entries:`, usage(), caches());
  const statements = newLabelStatements(count, view.size, registry.origin, issuers);
  let peak = { rss: 0 } as ReturnType<typeof usage> & Partial<ReturnType<typeof caches>> & { inFlight?: number };
  let inFlight = 0;
  const sample = () => {
    const u = usage();
    if (u.rss > peak.rss) peak = { ...u, ...caches(), inFlight };
  };
  const timer = setInterval(sample, sampleMs);
  const t0 = performance.now();
  let next = 0;
  let refused = 0;
  await new Promise<void>((done) => {
    const pump = () => {
      while (inFlight < window && next < statements.length) {
        inFlight++;
        void registry.submit(statements[next++]!).then(
          () => {
            inFlight--;
            pump();
          },
          () => {
            refused++;
            inFlight--;
            pump();
          },
        );
      }
      if (inFlight === 0) done();
    };
    pump();
  });
  clearInterval(timer);
  const seconds = (performance.now() - t0) / 1000;
  console.log(`sequenced ${count - refused}/${count} in ${seconds.toFixed(1)} s (${(count / seconds).toFixed(0)}/s)`);
  console.log("at the RSS peak:", peak);
  gc();
  const end = usage();
  console.log("after the run, gc'd:", end, caches());
  // What each cache held: the heap it gives back when emptied.
  const drop = (name: string, f: () => void) => {
    gc();
    const before = process.memoryUsage();
    f();
    gc();
    gc();
    const after = process.memoryUsage();
    console.log(
      `  ${name}: heap ${mb(before.heapUsed - after.heapUsed)} MiB, array buffers ${mb(before.arrayBuffers - after.arrayBuffers)} MiB`,
    );
  };
  console.log("emptied in turn:");
  drop("state records (evict to 0)", () => state().evict(0));
  drop("map node cache", () => {
    const stored = (view as unknown as { storedMap?: { cache: { clear(v: number): void } } }).storedMap;
    stored?.cache.clear(-1);
  });
  drop("tile cache", () => {
    (view.tileCache as unknown as { lru: { clear(): void } }).lru.clear();
  });
  console.log("left:", usage());
  await registry.close();
}
