// npm run bench:audit — a full audit of a log of at least 1,000,000 entries, read over HTTP from
// the tlog-tiles layout served by another process (a plain static server over the SQLite store),
// as `labelreg audit` reads any log:
//
//   1. tiles and bundles only: every tile verified against the signed checkpoint, every entry
//      against its tile (target: at least 200,000 entries/s);
//   2. everything: also every signature and every rule, the projections rebuilt, with a
//      CheckPool of a worker per core doing the leaf hashes, decoding and signatures and this
//      thread the rules (target: at least 80% of this machine's Ed25519 verification rate on
//      both cores, measured in the same run just before and again just after, over the log's own
//      signatures, on a VerifyPool of a worker per core; the audit is compared with the mean of
//      the two, so a load that comes or goes during the run weighs on both sides alike).
//
// On a machine shared with other work the wall-clock rates move with the load; the CPU figures
// printed with them (CPU per verification, per audited entry, both over every thread of this
// process) do not, and their ratio is what the rate ratio approaches when every core is busy.
//
// The log is built once (bench/verify-log.ts: pre-signed statements integrated and appended
// straight into SQLite) and kept under bench/results/audit-<N>. Usage:
//   npm run bench:audit [-- --entries N]
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { encodeBundle } from "../log/bundle.js";
import { parseVerifierKey } from "../log/note-keys.js";
import { TILE_WIDTH, bundlePath, tilePath, tilesOfTree } from "../log/tile.js";
import { LogEntry } from "../proto/gen/messages/labelreg/v1/entry.js";
import { Auditor, type AuditReport } from "../services/audit/auditor.js";
import { CheckPool } from "../services/audit/check-pool.js";
import { serveStaticTlog } from "../services/audit/static-tlog.js";
import { httpTlogSource } from "../services/audit/tlog-client.js";
import { publicKeyOfVerifierKey, readSignerKeyFile } from "../services/config/key-files.js";
import { nodeEd25519 } from "../services/crypto/ed25519-node.js";
import { VerifyPool } from "../services/crypto/verify-pool.js";
import { domainConfig } from "../services/domain/config.js";
import { statementSigningInput } from "../services/domain/signing.js";
import { devAuthorityKeyPath, logKeyPath } from "../app/server.js";
import { openSqliteStore } from "../services/store/sqlite.js";
import { repoRoot } from "../test/testdata.js";
import { buildLog } from "./verify-log.js";

const root = repoRoot;
const log = (msg: string) => console.log(msg);

/**
 * Child mode: the tlog-tiles layout of the data directory's log, rendered once into memory and
 * served as a static file server or CDN would (so the figures are the auditor's, not SQLite's).
 * With --from-store, served straight from the store instead (services/audit/static-tlog.ts).
 */
async function serveChild(dataDir: string, fromStore: boolean): Promise<void> {
  const store = await openSqliteStore({ dir: dataDir });
  if (fromStore) {
    const site = await serveStaticTlog(store);
    console.log(JSON.stringify({ url: site.url }));
    return;
  }
  const cp = (await store.latestCheckpoint())!;
  const files = new Map<string, Uint8Array>([["checkpoint", cp.note]]);
  for (const t of tilesOfTree(cp.size)) {
    const stored = (await store.readTile(t.level, t.index))!;
    files.set(tilePath(t), stored.data.subarray(0, t.width * 32));
    if (t.level === 0) {
      const first = t.index * TILE_WIDTH;
      files.set(
        bundlePath({ index: t.index, width: t.width }),
        encodeBundle(await store.readEntries(first, first + t.width)),
      );
    }
  }
  await store.close();
  const server = createServer((req, res) => {
    const body = files.get((req.url ?? "/").slice(1));
    res.writeHead(body ? 200 : 404, {
      "content-type": "application/octet-stream",
      "content-length": body?.length ?? 0,
    });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  console.log(JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
}

async function startServer(dataDir: string): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), "--serve", dataDir], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((res, rej) => {
    let buf = "";
    child.stdout!.on("data", (d: Buffer) => {
      buf += d.toString();
      const line = buf.split("\n").find((l) => l.startsWith("{"));
      if (line) res((JSON.parse(line) as { url: string }).url);
    });
    child.once("exit", (code) => rej(new Error(`tile server exited with ${code}`)));
  });
  return { url, stop: () => child.kill("SIGTERM") };
}

/** Ed25519 verifications per second on a pool of `threads` workers, over real signatures of the log. */
async function verifyRate(
  items: { pk: Uint8Array; msg: Uint8Array; sig: Uint8Array }[],
  threads: number,
): Promise<{ rate: number; cpuUs: number }> {
  const pool = new VerifyPool(threads);
  try {
    await Promise.all(items.slice(0, 2000).map((it) => pool.verify(it.pk, it.msg, it.sig))); // warm-up
    const t0 = performance.now();
    const c0 = cpuMs();
    const ok = await Promise.all(items.map((it) => pool.verify(it.pk, it.msg, it.sig)));
    const s = (performance.now() - t0) / 1000;
    const cpuUs = ((cpuMs() - c0) * 1000) / items.length;
    if (!ok.every(Boolean)) throw new Error("a signature of the log did not verify");
    return { rate: items.length / s, cpuUs };
  } finally {
    await pool.close();
  }
}

/**
 * CPU time of each of this process's threads in ms, by thread id, where Linux tells it (/proc);
 * empty elsewhere. The main thread's id is the process id.
 */
function threadCpuMs(): Map<string, number> {
  const out = new Map<string, number>();
  try {
    for (const t of readdirSync("/proc/self/task")) {
      const st = readFileSync(`/proc/self/task/${t}/stat`, "utf8");
      const f = st.slice(st.lastIndexOf(")") + 2).split(" ");
      out.set(t, ((Number(f[11]) + Number(f[12])) * 1000) / 100); // utime + stime, in USER_HZ (100/s)
    }
  } catch {
    out.clear();
  }
  return out;
}

/** CPU time of this process (every thread), in ms. */
function cpuMs(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
}

function summary(r: AuditReport): string {
  return `${r.entriesVerified} entries in ${r.seconds.toFixed(1)} s = ${Math.round(r.entriesVerified / r.seconds).toLocaleString("en")} entries/s, ${r.findings.length} findings`;
}

/**
 * `labelreg audit` runs Node with a 64 MiB young generation (bin/labelreg.mjs says why), and V8
 * takes that size only at start-up: without it, this process runs itself again with it.
 */
const YOUNG_GENERATION = "--max-semi-space-size=64";

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === "--serve") return serveChild(argv[1]!, argv.includes("--from-store"));
  if (!process.execArgv.includes(YOUNG_GENERATION)) {
    const child = spawn(process.execPath, [YOUNG_GENERATION, fileURLToPath(import.meta.url), ...argv], {
      cwd: root,
      stdio: "inherit",
    });
    process.exitCode = await new Promise<number>((r) => child.once("exit", (code) => r(code ?? 1)));
    return;
  }
  const at = argv.indexOf("--entries");
  const entries = at >= 0 ? Number(argv[at + 1]) : 1_000_002; // bench/verify-log.ts builds 1,000,001 from it
  const cores = availableParallelism();
  const dataDir = join(root, "bench", "results", `audit-${entries}`);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  log(`== bench:audit: a log built from --entries ${entries} (${dataDir}), ${cores} cores`);
  await buildLog(dataDir, entries, log);

  const logKey = parseVerifierKey(readSignerKeyFile(logKeyPath(dataDir)).verifierKey, nodeEd25519);
  const authority = readSignerKeyFile(devAuthorityKeyPath(dataDir));
  const domain = domainConfig(logKey.name, publicKeyOfVerifierKey(authority.verifierKey), nodeEd25519.verify);

  // The machine's Ed25519 verification rate, over 40,000 of the log's own signatures.
  const store = await openSqliteStore({ dir: dataDir });
  const size = (await store.latestCheckpoint())!.size;
  const sampleBytes = await store.readEntries(size - Math.min(40_000, size - 100), size);
  const sample = sampleBytes.map((b) => {
    const e = LogEntry.decode(b);
    return { msg: statementSigningInput(e.statement), sig: e.signature, keyId: e.keyId };
  });
  await store.close();
  const keys = new Map<string, Uint8Array>();
  // Issuer keys of bench/verify-log.ts, by key id (the bench log's issuers sign every label entry).
  const { issuerKey } = await import("../test/statement-kit.js");
  const { keyIdOf } = await import("../services/domain/signing.js");
  for (let i = 0; i < 64; i++) {
    const k = issuerKey(1000 + i);
    keys.set(Buffer.from(keyIdOf(k.publicKey)).toString("hex"), k.publicKey);
  }
  const items = sample.map((s) => ({ pk: keys.get(Buffer.from(s.keyId).toString("hex"))!, msg: s.msg, sig: s.sig }));
  const one = await verifyRate(items.slice(0, 10_000), 1);
  const all = await verifyRate(items, cores);
  const oneCore = one.rate;
  const allCores = all.rate;
  log(
    `Ed25519 verification (OpenSSL, worker pool): ${Math.round(oneCore).toLocaleString("en")}/s on 1 core, ${Math.round(allCores).toLocaleString("en")}/s on ${cores} cores`,
  );
  log(
    `   CPU per verification: ${one.cpuUs.toFixed(1)} us on 1 core, ${all.cpuUs.toFixed(1)} us on ${cores} cores (the pool's own work included)`,
  );

  const server = await startServer(dataDir);
  try {
    let c0 = cpuMs();
    const hashOnly = await new Auditor({ source: httpTlogSource(server.url), logKey, domain, rules: false }).run();
    const hashCpu = cpuMs() - c0;
    log(`1. tiles + hashes only:       ${summary(hashOnly)} (target >= 200,000/s)`);
    log(
      `   the auditor's own CPU: ${(hashCpu / 1000).toFixed(1)} s = ${Math.round(hashOnly.entriesVerified / (hashCpu / 1000)).toLocaleString("en")} entries per CPU-second`,
    );

    const pool = new CheckPool({ threads: cores, keys: [domain.authorityPublicKey] });
    // Warmed up as the Ed25519 pool is (its workers load and compile the decoder first).
    for (let i = 0; i < 4; i++)
      await Promise.all(Array.from({ length: cores }, (_, k) => pool.check(sampleBytes.slice(256 * k, 256 * (k + 1)))));
    c0 = cpuMs();
    const t0 = threadCpuMs();
    const full = await new Auditor({ source: httpTlogSource(server.url), logKey, domain, checkPool: pool }).run();
    const fullCpu = cpuMs() - c0;
    const t1 = threadCpuMs();
    await pool.close();
    const after = await verifyRate(items, cores);
    const rate = full.entriesChecked / full.seconds;
    const meanRate = (allCores + after.rate) / 2;
    log(`2. every signature and rule:  ${summary(full)}`);
    log(
      `   Ed25519 on ${cores} cores again, just after: ${Math.round(after.rate).toLocaleString("en")}/s (before: ${Math.round(allCores).toLocaleString("en")}/s, mean ${Math.round(meanRate).toLocaleString("en")}/s)`,
    );
    log(
      `   = ${((100 * rate) / meanRate).toFixed(1)}% of the ${cores}-core Ed25519 verification rate, before and after (target >= 80%); ${((100 * rate) / Math.max(allCores, after.rate)).toFixed(1)}% of the faster of the two`,
    );
    // On a machine shared with other work the wall-clock ratio moves with the load; the CPU
    // figures below do not: the share of the audit's CPU that is signature verification is the
    // ratio an idle machine reaches when every core is busy.
    const verifyUs = 1e6 / oneCore;
    const auditUs = (fullCpu * 1000) / full.entriesChecked;
    log(
      `   CPU per entry: ${auditUs.toFixed(1)} us in all (workers included), of which ${verifyUs.toFixed(1)} us is the Ed25519 check: ${((100 * verifyUs) / auditUs).toFixed(1)}% of the CPU`,
    );
    const perThread = [...t1].map(([id, ms]) => ({ id, us: ((ms - (t0.get(id) ?? 0)) * 1000) / full.entriesChecked }));
    const mainThread = perThread.find((t) => t.id === String(process.pid));
    if (mainThread) {
      log(
        `   of which the main thread (rules, projections, reads): ${mainThread.us.toFixed(1)} us; the workers and V8's helper threads: ${(auditUs - mainThread.us).toFixed(1)} us`,
      );
      // Threads are not named on Node 20: the pool's workers are the busiest ones, the rest are
      // V8's helpers (garbage collection, compilation) and Node's.
      const others = perThread.filter((t) => t !== mainThread && t.us >= 0.1).sort((a, b) => b.us - a.us);
      log(
        `   the other threads, busiest first (the pool's ${cores} workers, then helpers): ${others.map((t) => t.us.toFixed(1)).join(", ")} us`,
      );
    }
    log(
      `   CPU ratio: ${all.cpuUs.toFixed(1)} us per verification on ${cores} cores / ${auditUs.toFixed(1)} us per audited entry = ${((100 * all.cpuUs) / auditUs).toFixed(1)}% (what the rate ratio approaches when every core is busy)`,
    );
    for (const f of [...hashOnly.findings, ...full.findings].slice(0, 10))
      log(`   finding: ${f.rule} at ${f.index}: ${f.message}`);
    if (!hashOnly.ok || !full.ok) process.exitCode = 1;
  } finally {
    server.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
