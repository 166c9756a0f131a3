// A quick look at the SQLite store's append and read speed (a command, not a test):
//
//   npm run build && node dist/bench/store.bench.js [batches] [batchSize] [entryBytes]
//
// Each append is a batch of entries with its tiles and checkpoint, committed durably (one
// transaction, WAL with synchronous=FULL: one fsync of the WAL per commit).
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStore } from "../services/store/sqlite.js";
import { syntheticBatch } from "../test/store/synthetic.js";

const [batches = 400, batchSize = 256, entryBytes = 400] = process.argv.slice(2).map(Number);
const dir = mkdtempSync(join(tmpdir(), "labelreg-store-bench-"));
try {
  const store = await openSqliteStore({ dir });
  const prepared = Array.from({ length: batches }, (_, i) =>
    syntheticBatch("bench", i * batchSize, batchSize, { lengthOf: () => entryBytes }),
  );
  const latencies: number[] = [];
  const t0 = performance.now();
  for (const b of prepared) {
    const t = performance.now();
    await store.append(b);
    latencies.push(performance.now() - t);
  }
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(2);
  const total = batches * batchSize;
  console.log(
    `machine: ${cpus().length} cores; ${batches} appends of ${batchSize} entries x ${entryBytes} bytes + tiles + checkpoint`,
  );
  console.log(
    `append: ${(batches / seconds).toFixed(0)} batches/s, ${(total / seconds).toFixed(0)} entries/s, ` +
      `latency p50 ${pct(50)} ms, p99 ${pct(99)} ms`,
  );
  const r0 = performance.now();
  for (let start = 0; start < total; start += 1000) await store.readEntries(start, Math.min(total, start + 1000));
  console.log(`readEntries (1,000 a call): ${(total / ((performance.now() - r0) / 1000)).toFixed(0)} entries/s`);
  await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
