// Issuance throughput and latency over real gRPC on loopback (a command, not a test):
//
//   npm run bench:issue -- [--store sqlite|postgres] [--unary N] [--concurrency C] [--stream N]
//                          [--streams S] [--window W] [--open-rate R] [--open-seconds T] [--profile DIR]
//                          [--client grpc-js|h2]
//
// The registry runs in a child process (its own event loop and core) on a fresh data directory,
// with durable commits (SQLite WAL + synchronous=FULL, or PostgreSQL with fsync on). Statements
// are label issuances, signed and encoded before any timing. Runs, in order:
//   unary   closed loop, C calls in flight;
//   stream  SubmitBulk, S streams with W statements each in flight;
//   open    unary at a fixed offered rate R for T seconds (latency from the scheduled send time);
//   open stream  SubmitBulk on S streams at the same offered rate R for T seconds (latency from
//           the scheduled send time), reported separately: bulk clients send this way;
// then the stream again into a new log whose batches end without a state map commitment
// (`serve --no-map-commitments`, hidden): their ratio is what the map costs the sequencer;
// then the same three against a no-op gRPC server (bench/noop-server.ts) with the same message
// sizes, so the ratio shows the registry's cost over the bare transport. Prints a table and
// writes bench/results/issue.json.
//
// The load generator shares the machine's cores with the server, so each run reports its CPU
// too. `--client h2` makes the unary calls with a lean HTTP/2 gRPC client (bench/h2-unary.ts:
// the same requests on the wire, a fraction of grpc-js's client CPU) for the registry and the
// no-op alike; the default stays grpc-js. The streaming runs always use grpc-js.
//
// `--store postgres` runs it all on SQLite first, then on a throwaway PostgreSQL cluster
// (`labelreg serve --store postgres`), beside it in the same run, with a read replica
// (`--read-only`) following the log: its lag behind the sequencer is reported too.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  SubmitBulkRequest,
  SubmitRequest,
  SubmitResponse,
} from "../proto/gen/messages/labelreg/v1/issuance_service.js";
import { openPostgresStore } from "../services/store/postgres.js";
import { openSqliteStore } from "../services/store/sqlite.js";
import { startRegistryChild, type RegistryChild } from "../test/registry-child.js";
import { repoRoot } from "../test/testdata.js";
import { shareAuthorityKey, shareKeys } from "../test/shared-store.js";
import {
  categoryPublished,
  issuerAccredited,
  issuerKey,
  labelIssued,
  sign,
  type RawSigner,
} from "../test/statement-kit.js";
import { ReplicaLagProbe } from "./replica-lag.js";
import { NOOP_BULK_PATH, NOOP_UNARY_PATH, startNoopServer } from "./noop-child.js";
import {
  closedLoopUnary,
  judgeSubmitBulk as judgeBulk,
  openLoopStream,
  openLoopUnary,
  processCpuSeconds,
  rawClient,
  streaming,
  unaryTransport,
  type Judge,
  type RunResult,
  type UnaryClientKind,
} from "./load.js";

const root = repoRoot;
const { values: args } = parseArgs({
  options: {
    store: { type: "string", default: "sqlite" },
    unary: { type: "string", default: "30000" },
    concurrency: { type: "string", default: "256" },
    stream: { type: "string", default: "30000" },
    streams: { type: "string", default: "4" },
    window: { type: "string", default: "1024" },
    "open-rate": { type: "string", default: "2000" },
    "open-seconds": { type: "string", default: "10" },
    issuers: { type: "string", default: "8" },
    profile: { type: "string" },
    client: { type: "string", default: "grpc-js" },
  },
});
const n = (k: keyof typeof args) => Number(args[k]);
type StoreKind = "sqlite" | "postgres";
if (args.store !== "sqlite" && args.store !== "postgres")
  throw new Error(`--store must be sqlite or postgres, not ${args.store}`);
if (args.client !== "grpc-js" && args.client !== "h2")
  throw new Error(`--client must be grpc-js or h2, not ${args.client}`);
const clientKind: UnaryClientKind = args.client;
const stores: StoreKind[] = args.store === "postgres" ? ["sqlite", "postgres"] : ["sqlite"];

const SUBMIT = "/labelreg.v1.IssuanceService/Submit";
const BULK = "/labelreg.v1.IssuanceService/SubmitBulk";

const judgeUnary: Judge = (res) => (SubmitResponse.decode(res).receipt ? undefined : "no-receipt");

const summaries: Record<string, unknown> = {};
for (const store of stores) summaries[store] = await benchStore(store);
mkdirSync(join(root, "bench", "results"), { recursive: true });
writeFileSync(
  join(root, "bench", "results", "issue.json"),
  JSON.stringify(
    {
      date: new Date().toISOString(),
      unaryClient: clientKind,
      cores: cpus().length,
      loadavg: loadavg(),
      cpu: cpus()[0]?.model,
      node: process.version,
      args,
      stores: summaries,
    },
    null,
    2,
  ) + "\n",
);

async function benchStore(store: StoreKind): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), "labelreg-issue-bench-"));
  const cleanups: (() => Promise<void> | void)[] = [() => rmSync(dir, { recursive: true, force: true })];
  try {
    const dataDir = join(dir, "data");
    const nodeArgs = args.profile ? ["--cpu-prof", `--cpu-prof-dir=${resolve(args.profile)}`] : [];
    let server: RegistryChild;
    let postgresUrl: string | undefined;
    let lagProbe: ReplicaLagProbe | undefined;
    let bareStoreArgs: string[] = [];
    if (store === "sqlite") {
      server = await startRegistryChild({ dataDir, nodeArgs });
    } else {
      const { startPostgres } = await import("../test/postgres.js");
      const cluster = await startPostgres();
      cleanups.unshift(() => cluster.destroy());
      postgresUrl = await cluster.createDatabase("bench");
      bareStoreArgs = ["--store", "postgres", "--postgres-url", await cluster.createDatabase("bench_bare")];
      const storeArgs = ["--store", "postgres", "--postgres-url", postgresUrl];
      server = await startRegistryChild({ dataDir, nodeArgs, args: storeArgs });
      // A read replica on the same log (same keys), to measure how far it trails the sequencer.
      shareKeys(dataDir, join(dir, "replica"));
      const replica = await startRegistryChild({
        dataDir: join(dir, "replica"),
        args: [...storeArgs, "--read-only", "--log-key", join(dataDir, "log.pub")],
      });
      cleanups.unshift(async () => void (await replica.kill()));
      lagProbe = new ReplicaLagProbe(server.address, replica.address);
    }
    cleanups.unshift(async () => void (await server.kill()));
    const client = rawClient(server.address);
    const calls = unaryTransport(clientKind, server.address);
    const setupCalls = unaryTransport("grpc-js", server.address);
    const serverPid = server.child.pid!;

    // The authority publishes the category and accredits the issuers. On PostgreSQL the server
    // sequences once it holds the lease (a few milliseconds after start): retry until it does.
    const issuerCount = n("issuers");
    const issuers: { id: string; key: RawSigner }[] = Array.from({ length: issuerCount }, (_, i) => ({
      id: `BENCH${i}`,
      key: issuerKey(1000 + i),
    }));
    const setup = [
      sign(server.authority, categoryPublished("setup-cat"), server.origin),
      ...issuers.map((is) => sign(server.authority, issuerAccredited(`setup-${is.id}`, is.id, is.key), server.origin)),
    ];
    const setUp = async (via: typeof setupCalls) => {
      for (let attempt = 1; ; attempt++) {
        const setupRun = await closedLoopUnary(
          "setup",
          via,
          SUBMIT,
          setup.map((s) => Buffer.from(SubmitRequest.encode({ signedStatement: s }).finish())),
          1,
          judgeUnary,
        );
        if (setupRun.ok === setup.length) return;
        if (attempt >= 50) throw new Error(`setup failed: ${JSON.stringify(setupRun.errors)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await setUp(setupCalls);

    // Pre-sign every statement of every run.
    let serial = 0;
    const signNext = () => {
      const s = serial++;
      const is = issuers[s % issuerCount]!;
      return sign(is.key, labelIssued(`r${s}`, is.id, `${s}`), server.origin);
    };
    const unaryReq = (count: number) =>
      Array.from({ length: count }, () => Buffer.from(SubmitRequest.encode({ signedStatement: signNext() }).finish()));
    const bulkReq = (count: number) =>
      Array.from({ length: count }, (_, i) =>
        Buffer.from(SubmitBulkRequest.encode({ sequence: BigInt(i + 1), signedStatement: signNext() }).finish()),
      );
    const t = performance.now();
    const warm = unaryReq(3000);
    const unary = unaryReq(n("unary"));
    const bulk = bulkReq(n("stream"));
    const openCount = Math.round(n("open-rate") * n("open-seconds"));
    const open = unaryReq(openCount);
    const openBulk = bulkReq(openCount);
    const sample = unaryReq(1);
    const sampleBulk = bulkReq(1);
    // Requests as the unary client sends them (framed for h2), made before any timing.
    const [warmU, unaryU, openU] = [warm, unary, open].map((list) => list.map((b) => calls.prepare(b))) as [
      Buffer[],
      Buffer[],
      Buffer[],
    ];
    const via = clientKind === "grpc-js" ? "" : ` ${clientKind}`;
    console.error(
      `signed ${serial} statements in ${((performance.now() - t) / 1000).toFixed(1)} s; request ${unary[0]!.length} bytes`,
    );

    const measured = async (run: () => Promise<RunResult>, pid: number) => {
      const c0 = await processCpuSeconds(pid);
      const u0 = process.cpuUsage();
      const r = await run();
      const u1 = process.cpuUsage(u0);
      const c1 = await processCpuSeconds(pid);
      if (c0 !== undefined && c1 !== undefined) r.serverCpuSeconds = c1 - c0;
      r.clientCpuSeconds = (u1.user + u1.system) / 1e6;
      console.error(
        `${r.name}: ${r.rate.toFixed(0)}/s p50 ${r.p50Ms.toFixed(1)} ms p99 ${r.p99Ms.toFixed(1)} ms ${JSON.stringify(r.errors)}`,
      );
      return r;
    };

    await closedLoopUnary("warm-up", calls, SUBMIT, warmU, 64, judgeUnary);
    const results: RunResult[] = [];
    results.push(
      await measured(
        () =>
          closedLoopUnary(
            `registry unary (c=${n("concurrency")})${via}`,
            calls,
            SUBMIT,
            unaryU,
            n("concurrency"),
            judgeUnary,
          ),
        serverPid,
      ),
    );
    results.push(
      await measured(
        () =>
          streaming(
            `registry stream (${n("streams")}x${n("window")})`,
            client,
            BULK,
            bulk,
            n("streams"),
            n("window"),
            judgeBulk,
          ),
        serverPid,
      ),
    );
    results.push(
      await measured(
        () =>
          openLoopUnary(
            `registry open loop @${n("open-rate")}/s${via}`,
            calls,
            SUBMIT,
            openU,
            n("open-rate"),
            judgeUnary,
          ),
        serverPid,
      ),
    );
    results.push(
      await measured(
        () =>
          openLoopStream(
            `registry open stream @${n("open-rate")}/s`,
            client,
            BULK,
            openBulk,
            n("open-rate"),
            n("streams"),
            judgeBulk,
          ),
        serverPid,
      ),
    );

    // Recorded replies for the no-op: a real receipt response, and a bulk one without its sequence.
    const unaryReply = await new Promise<Buffer>((res, rej) =>
      client.makeUnaryRequest(
        SUBMIT,
        (b: Buffer) => b,
        (b: Buffer) => b,
        sample[0]!,
        (err, r) => (err ? rej(err) : res(r!)),
      ),
    );
    const bulkReply = await new Promise<Buffer>((res, rej) => {
      const call = client.makeBidiStreamRequest(
        BULK,
        (b: Buffer) => b,
        (b: Buffer) => b,
      );
      call.on("data", (r: Buffer) => {
        call.end();
        res(r);
      });
      call.on("error", rej);
      call.write(sampleBulk[0]!);
    });
    if (bulkReply[0] !== 0x08 || bulkReply[1] !== 0x01) throw new Error("unexpected bulk response layout");
    writeFileSync(join(dir, "unary.bin"), unaryReply);
    writeFileSync(join(dir, "bulk.bin"), bulkReply.subarray(2));
    client.close();
    calls.close();
    setupCalls.close();
    const treeSizeExpected = 1 + issuerCount + results.reduce((a, r) => a + r.ok, 0) + 3000 + 2;
    const replicaLag = await lagProbe?.stop();
    await server.stop();

    // The same stream into a new log whose batches end without a state map commitment (a
    // hidden serve flag): the ratio of the two is what the map costs the sequencer. Same
    // authority key and origin, so the same signed statements are valid there.
    const bareDir = join(dir, "bare");
    shareAuthorityKey(dataDir, bareDir);
    const bare = await startRegistryChild({
      dataDir: bareDir,
      nodeArgs,
      args: [...bareStoreArgs, "--no-map-commitments"],
    });
    cleanups.unshift(async () => void (await bare.kill()));
    {
      const bareSetup = unaryTransport("grpc-js", bare.address);
      await setUp(bareSetup);
      bareSetup.close();
      const bareClient = rawClient(bare.address);
      const bareCalls = unaryTransport("grpc-js", bare.address);
      await closedLoopUnary("bare warm-up", bareCalls, SUBMIT, warmU, 64, judgeUnary);
      bareCalls.close();
      results.push(
        await measured(
          () =>
            streaming(
              `no map commitments stream (${n("streams")}x${n("window")})`,
              bareClient,
              BULK,
              bulk,
              n("streams"),
              n("window"),
              judgeBulk,
            ),
          bare.child.pid!,
        ),
      );
      bareClient.close();
    }
    await bare.stop();

    const noop = await startNoopServer(join(dir, "unary.bin"), join(dir, "bulk.bin"));
    cleanups.unshift(() => noop.kill());
    const noopClient = rawClient(noop.address);
    const noopCalls = unaryTransport(clientKind, noop.address);
    await closedLoopUnary("noop warm-up", noopCalls, NOOP_UNARY_PATH, warmU, 64, judgeUnary);
    results.push(
      await measured(
        () =>
          closedLoopUnary(
            `no-op unary (c=${n("concurrency")})${via}`,
            noopCalls,
            NOOP_UNARY_PATH,
            unaryU,
            n("concurrency"),
            judgeUnary,
          ),
        noop.pid,
      ),
    );
    results.push(
      await measured(
        () =>
          streaming(
            `no-op stream (${n("streams")}x${n("window")})`,
            noopClient,
            NOOP_BULK_PATH,
            bulk,
            n("streams"),
            n("window"),
            judgeBulk,
          ),
        noop.pid,
      ),
    );
    results.push(
      await measured(
        () =>
          openLoopUnary(
            `no-op open loop @${n("open-rate")}/s${via}`,
            noopCalls,
            NOOP_UNARY_PATH,
            openU,
            n("open-rate"),
            judgeUnary,
          ),
        noop.pid,
      ),
    );
    results.push(
      await measured(
        () =>
          openLoopStream(
            `no-op open stream @${n("open-rate")}/s`,
            noopClient,
            NOOP_BULK_PATH,
            openBulk,
            n("open-rate"),
            n("streams"),
            judgeBulk,
          ),
        noop.pid,
      ),
    );
    noopClient.close();
    noopCalls.close();

    let treeSize: number | undefined;
    {
      const s = postgresUrl
        ? await openPostgresStore({ connectionString: postgresUrl })
        : await openSqliteStore({ dir: dataDir });
      treeSize = (await s.latestCheckpoint())?.size;
      await s.close();
    }

    const [ru, rs, ro, ros, bs, nu, ns] = results as [
      RunResult,
      RunResult,
      RunResult,
      RunResult,
      RunResult,
      RunResult,
      RunResult,
      RunResult,
      RunResult,
    ];
    const ratios = { unary: ru.rate / nu.rate, stream: rs.rate / ns.rate, mapOnOff: rs.rate / bs.rate };
    const fmt = (x: number, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : "-");
    const head = ["run", "ok", "refused", "s", "stmts/s", "p50 ms", "p99 ms", "max ms", "server cpu s", "client cpu s"];
    const rows = results.map((r) => [
      r.name,
      String(r.ok),
      String(Object.values(r.errors).reduce((a, b) => a + b, 0)),
      fmt(r.seconds, 2),
      fmt(r.rate),
      fmt(r.p50Ms, 1),
      fmt(r.p99Ms, 1),
      fmt(r.maxMs, 1),
      r.serverCpuSeconds === undefined ? "-" : fmt(r.serverCpuSeconds, 2),
      r.clientCpuSeconds === undefined ? "-" : fmt(r.clientCpuSeconds, 2),
    ]);
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) =>
      cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
    // Other work on the machine skews every figure: say how busy it was.
    console.log(
      `machine: ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")}, node ${process.version}; store ${store}, durable commits`,
    );
    console.log(line(head));
    for (const r of rows) console.log(line(r));
    console.log(`ratio to no-op: unary ${ratios.unary.toFixed(2)}, stream ${ratios.stream.toFixed(2)}`);
    console.log(`stream with map commitments / without: ${ratios.mapOnOff.toFixed(2)}`);
    if (treeSize !== undefined) console.log(`log tree size after the run: ${treeSize} (expected ${treeSizeExpected})`);
    if (replicaLag) {
      console.log(
        `read replica lag behind the sequencer (${replicaLag.samples} checkpoints): p50 ${fmt(replicaLag.p50Ms, 1)} ms, p99 ${fmt(replicaLag.p99Ms, 1)} ms, ` +
          `max ${fmt(replicaLag.maxMs, 1)} ms${replicaLag.unreached > 0 ? `, ${replicaLag.unreached} not reached` : ""}`,
      );
    }
    const targets = {
      sustained5000: Math.max(ru.rate, rs.rate) >= 5000,
      openLoopP99Under250ms: ro.p99Ms < 250,
      // Reported beside it, not instead of it: the unary open loop above stays the target's run.
      openStreamP99Under250ms: ros.p99Ms < 250,
      ratioAtLeastHalf: Math.max(ratios.unary, ratios.stream) >= 0.5,
      stream6000: rs.rate >= 6000,
      mapCommitmentsAtLeast0_9x: ratios.mapOnOff >= 0.9,
    };
    console.log(`targets: ${JSON.stringify(targets)}`);
    return { store, results, ratios, treeSize, treeSizeExpected, targets, ...(replicaLag ? { replicaLag } : {}) };
  } finally {
    for (const c of cleanups) await c();
  }
}
