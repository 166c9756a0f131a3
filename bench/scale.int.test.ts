// bench:scale end to end on a small log (`--smoke`), as built code: the build through the
// sequencer, the registry child, every measurement and the report. Not a timed assertion: it
// checks that each phase ran and every call was answered, and that a second run reuses the log.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "../test/testdata.js";
import "../test/built.js";

const dir = mkdtempSync(join(tmpdir(), "labelreg-scale-bench-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runBench(): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      [join(repoRoot, "dist", "bench", "scale.bench.js"), "--smoke", "--dir", dir],
      { cwd: repoRoot, maxBuffer: 16 << 20, timeout: 240_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stdout}\n${stderr}`)) : resolve(stdout)),
    ),
  );
}

interface Run {
  name: string;
  count: number;
  ok: number;
  errors: Record<string, number>;
}
interface Results {
  results: {
    target: number;
    entries: number;
    reused: boolean;
    diskBytes: number;
    disk: { totalBytes: number; windowBytes: number; growingBytes: number; tables: { name: string; bytes: number }[] };
    startupSeconds: number;
    rssStartMb: number;
    reads: Run[];
    getLabel: Run;
    noop: Run;
    sequencing: Run;
    build: { labels: number; historyLengths: Record<string, number> };
  }[];
}

const results = () => JSON.parse(readFileSync(join(dir, "scale-results.json"), "utf8")) as Results;

describe("bench:scale --smoke", () => {
  it("builds a small log through the sequencer, measures every figure on it, and reuses the log on a rerun", async () => {
    const first = await runBench();
    expect(first).toMatch(/built 2,\d{3} entries/);
    expect(first).toMatch(/^start-up to SERVING \(s\)\s+\d+\.\d\d/m);
    expect(first).toMatch(/^GetLabel rate \/ no-op\s+\d+\.\d\d/m);
    expect(first).toMatch(/extrapolation to 10\^8 entries: disk \d+\.\d GB: \d+ bytes\/entry that grow with the log/);
    expect(first).toMatch(/^disk per entry, growing part \(bytes\)\s+\d+/m);
    const r = results().results[0]!;
    expect(r.reused).toBe(false);
    expect(r.entries).toBeGreaterThanOrEqual(2000);
    expect(r.diskBytes).toBeGreaterThan(0);
    // The database's bytes split into the window of kept map versions and the part that grows.
    expect(r.disk.windowBytes).toBeGreaterThan(0);
    expect(r.disk.growingBytes).toBeGreaterThan(0);
    expect(r.disk.windowBytes + r.disk.growingBytes).toBeCloseTo(r.disk.totalBytes, 0);
    expect(r.disk.tables.map((t) => t.name)).toEqual(expect.arrayContaining(["map_nodes", "entries", "state_rows"]));
    expect(r.startupSeconds).toBeGreaterThan(0);
    expect(r.rssStartMb).toBeGreaterThan(0);
    // Some labels have a history beyond their issuance.
    expect(Object.keys(r.build.historyLengths).length).toBeGreaterThan(1);
    // Every call of every phase was answered, none refused.
    for (const run of [...r.reads, r.getLabel, r.noop, r.sequencing]) {
      expect(run.errors, run.name).toEqual({});
      expect(run.ok, run.name).toBe(run.count);
    }
    expect(r.reads.every((run) => run.count > 0)).toBe(true);
    expect(r.sequencing.ok).toBe(300);

    const second = await runBench();
    expect(second).toContain("reusing the log built");
    expect(second).not.toContain("building it");
    const again = results().results[0]!;
    expect(again.reused).toBe(true);
    // The first run's sequencing appended to the log the second one starts on.
    expect(again.entries).toBeGreaterThan(r.entries + 300);
  }, 600_000);
});
