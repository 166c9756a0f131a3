// `labelreg watch` as a manufacturer runs it from cron (a child process, --once), against a
// registry on loopback: only its own labels, each verified; nothing twice; an issuance made while
// the watch was stopped is reported on the next run; a failed delivery is retried next run; a
// state file the log's key does not vouch for stops the watch with exit 3.
import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import { readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { labelregBin as bin } from "../../test/built.js";
import { startCliRegistry, type CliRegistry } from "../../test/cli-registry.js";
import { labelChange, labelIssued } from "../../test/statement-kit.js";
import type { WatchReport } from "./watch.js";

let reg: CliRegistry;
let dir: string;
const submit = (s: ReturnType<typeof labelIssued>) => reg.submit(s);
// The statement kit names manufacturer 91330100MA<issuer> for serials below 4000, and
// 91330100MA<issuer>-1 from 4000 on.
const OURS = "91330100MAWAT";

function watch(extra: string[]): Promise<{
  code: number;
  reports: WatchReport[];
  lists: { labels: number; checkpointSize: number }[];
  stderr: string;
}> {
  return new Promise((res) =>
    execFile(
      process.execPath,
      [
        bin,
        "watch",
        "--manufacturer",
        OURS,
        "--registry",
        reg.running.grpc.address,
        "--log-key",
        reg.running.logVerifierKey,
        "--authority-key",
        reg.running.authorityVerifierKey,
        "--once",
        ...extra,
      ],
      { cwd: dir },
      (err, stdout, stderr) =>
        res({
          code: err ? Number(err.code) : 0,
          reports: stdout
            .split("\n")
            .filter((l) => l.trim() !== "")
            .map((l) => JSON.parse(l) as WatchReport | { type: "complete-list" })
            .filter((r): r is WatchReport => r.type === "event"),
          lists: stdout
            .split("\n")
            .filter((l) => l.includes('"complete-list"'))
            .map((l) => JSON.parse(l) as { labels: number; checkpointSize: number }),
          stderr,
        }),
    ),
  );
}

beforeAll(async () => {
  reg = await startCliRegistry("WAT", 91);
  dir = reg.dir;
  await submit(labelIssued("l1", "WAT", "1"));
  await submit(labelIssued("l4001", "WAT", "4001"));
  await submit(labelIssued("l2", "WAT", "2"));
  await submit(labelChange("s1", "WAT-1", 1n, "suspend"));
}, 30_000);

afterAll(() => reg?.close());

describe("labelreg watch", () => {
  it("reports each of the manufacturer's label events once, verified, and what happened while it was stopped", async () => {
    const first = await watch(["--state", "w.json", "--exec", "cat >> hook.jsonl; echo >> hook.jsonl"]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(1);
    expect(first.reports.map((r) => `${r.labelId} ${r.event}`)).toEqual([
      "WAT-1 issued",
      "WAT-2 issued",
      "WAT-1 suspended",
    ]);
    for (const r of first.reports) {
      expect(r.manufacturerCode).toBe(OURS);
      expect(r.complete).toBe(true);
      expect(r.checkpointSize).toBeGreaterThan(r.index);
    }
    expect(first.reports[0]!.label.status).toBe("suspended");
    const hooked = readFileSync(join(dir, "hook.jsonl"), "utf8").trim().split("\n");
    expect(hooked.map((l) => (JSON.parse(l) as WatchReport).index)).toEqual(first.reports.map((r) => r.index));

    const again = await watch(["--state", "w.json"]);
    expect(again).toMatchObject({ code: 0, reports: [] });
    // Each run first proves the manufacturer's complete list: WAT-1 and WAT-2.
    expect(again.lists).toHaveLength(1);
    expect(again.lists[0]!.labels).toBe(2);

    // While the watch is stopped: one label of ours, one of another manufacturer.
    await submit(labelIssued("l3", "WAT", "3"));
    await submit(labelIssued("l4002", "WAT", "4002"));
    const resumed = await watch(["--state", "w.json"]);
    expect(resumed.code).toBe(1);
    expect(resumed.reports.map((r) => `${r.labelId} ${r.event}`)).toEqual(["WAT-3 issued"]);
    const state = JSON.parse(readFileSync(join(dir, "w.json"), "utf8"));
    expect(state.labels).toEqual(["WAT-1", "WAT-2", "WAT-3"]);
  }, 60_000);

  it("a webhook that fails gets the event again on the next run", async () => {
    const got: WatchReport[] = [];
    let status = 500;
    const server: Server = createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        if (status === 200) got.push(JSON.parse(body) as WatchReport);
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
    try {
      const caughtUp = await watch(["--state", "hook-state.json"]);
      expect(caughtUp.code).toBe(1);
      await submit(labelIssued("l5", "WAT", "5"));
      const failed = await watch(["--state", "hook-state.json", "--webhook", url]);
      expect(failed.code).toBe(2);
      expect(failed.stderr).toMatch(/answered 500 .*will report it again/);
      status = 200;
      const delivered = await watch(["--state", "hook-state.json", "--webhook", url]);
      expect(delivered.code).toBe(1);
      expect(got.map((r) => r.labelId)).toEqual(["WAT-5"]);
    } finally {
      server.close();
    }
  }, 60_000);

  it("a label the feed never reported, though proven to name the manufacturer, stops the watch (exit 3)", async () => {
    expect((await watch(["--state", "hidden.json"])).code).toBe(1);
    // As if the feed had skipped WAT-2 while passing its entries.
    const s = JSON.parse(readFileSync(join(dir, "hidden.json"), "utf8"));
    s.labels = s.labels.filter((l: string) => l !== "WAT-2");
    writeFileSync(join(dir, "hidden.json"), JSON.stringify(s));
    const r = await watch(["--state", "hidden.json"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/the feed never reported WAT-2, proven to name 91330100MAWAT as of checkpoint \d+/);
  }, 60_000);

  it("a state file whose checkpoint the log's key does not vouch for stops the watch (exit 3)", async () => {
    const ok = await watch(["--state", "forged.json"]);
    expect(ok.code).toBe(1);
    const s = JSON.parse(readFileSync(join(dir, "forged.json"), "utf8"));
    s.checkpoint = s.checkpoint.replace(/\n(\d+)\n/, (_: string, n: string) => `\n${Number(n) + 1}\n`);
    writeFileSync(join(dir, "forged.json"), JSON.stringify(s));
    await submit(labelIssued("l6", "WAT", "6"));
    const refused = await watch(["--state", "forged.json"]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/does not verify with the log key/);
  }, 60_000);

  it("refuses a malformed registration code before connecting", async () => {
    const r = await new Promise<{ code: number; stderr: string }>((res) =>
      execFile(
        process.execPath,
        [bin, "watch", "--manufacturer", "not a code", "--log-key", "x", "--authority-key", "y"],
        (err, _out, stderr) => res({ code: err ? Number(err.code) : 0, stderr }),
      ),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not a registration code/);
  });
});
