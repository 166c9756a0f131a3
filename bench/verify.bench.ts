// Platform reads at scale (a command, not a test):
//
//   npm run bench:verify [-- --sizes 100000,1000000] [--requests 4000] [--concurrency 16]
//   (VERIFY_BENCH_CHILD_ARGS="--cpu-prof --cpu-prof-dir=/tmp/p" adds flags to the registry child)
//
// For each log size: builds the log fast (bench/verify-log.ts, straight into SQLite), starts
// `labelreg serve` on it in a child process (timing the replay of the projections at start-up),
// then measures
//   - GetLabel with bundles over real gRPC, beside a no-op gRPC method answering a recorded
//     GetLabel response of the same size (bench/noop-server.ts), same client, same concurrency;
//   - VerifyLabels of 10,000 ids (compact form), server answer time and client verify time;
//   - the verifier library's bundles/s in Node beside the Ed25519 verifications alone that those
//     bundles need (same signatures, same run, interleaved in slices of 100 bundles);
//   - `labelreg tender check` of 10,000 label ids (the CLI as a buyer runs it: evidence file and
//     report included), wall time.
// Data directories are kept under bench/results/ (git-ignored) and reused by later runs.
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { parseSignedNote } from "../log/note.js";
import { statementSigningInput } from "../services/domain/signing.js";
import { decodeStatementEntry } from "../services/domain/decode.js";
import { isViolation } from "../services/domain/violation.js";
import {
  GetLabelRequest,
  GetLabelResponse,
  type VerifyLabelsResponse,
} from "../proto/gen/messages/labelreg/v1/verification_service.js";
import { VerificationServiceClient } from "../services/grpc/clients.js";
import { publicKeyOfVerifierKey, readSignerKeyFile } from "../services/config/key-files.js";
import { nodeEd25519 } from "../services/crypto/ed25519-node.js";
import { devAuthorityKeyPath } from "../app/server.js";
import { CompactBundles } from "../services/verify/compact.js";
import { verifyLabelBundle } from "../services/verify/bundle.js";
import { memoizedTrust } from "../services/verify/memo.js";
import { resolveTrust } from "../services/verify/trust.js";
import { labelregBin } from "../test/built.js";
import { startRegistryChild } from "../test/registry-child.js";
import { repoRoot } from "../test/testdata.js";
import { closedLoopUnary, rawClient, type RunResult } from "./load.js";
import { NOOP_UNARY_PATH, startNoopServer } from "./noop-child.js";
import { prng } from "./measure.js";
import { buildLog, labelIdOf } from "./verify-log.js";

const root = repoRoot;
const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const sizes = opt("sizes", "100000,1000000").split(",").map(Number);
const requests = Number(opt("requests", "4000"));
const concurrency = Number(opt("concurrency", "16"));
/** Extra flags for the registry child, for profiling (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p"). */
const childNodeArgs = (process.env.VERIFY_BENCH_CHILD_ARGS ?? "").split(" ").filter((a) => a !== "");
const GET_LABEL = "/labelreg.v1.VerificationService/GetLabel";
const log = (s: string) => console.log(s);
const judge = (b: Buffer) => (b.length > 0 ? undefined : "empty");
const f = (x: number, d = 0) => x.toFixed(d);

interface SizeResult {
  entries: number;
  labels: number;
  startupSeconds: number;
  getLabel: RunResult;
  noop: RunResult;
  responseBytes: number;
  bulkSeconds: number;
  bulkVerifySeconds: number;
  bulkValid: number;
  bundlesPerSecond: number;
  ed25519BundlesPerSecond: number;
  sigsPerBundle: number;
  tenderSeconds: number;
}

async function runSize(entries: number): Promise<SizeResult> {
  const dataDir = join(root, "bench", "results", `verify-${entries}`);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  log(`\n== log of ${entries} entries (${dataDir})`);
  const labels = await buildLog(dataDir, entries, log);

  const t0 = performance.now();
  // The heap settings a registry of this size runs with: room for the projections, and a young
  // generation of 64 MiB (V8's default 16 MiB meant a young collection every few hundred reads, each
  // slower as the old generation grows: 45 pauses of ~7-25 ms in 8,500 GetLabels at 10^6 entries,
  // 10 with 64 MiB, and a shorter start-up). `labelreg serve` should be started with the same.
  const server = await startRegistryChild({
    dataDir,
    startTimeoutMs: 600_000,
    nodeArgs: ["--max-old-space-size=8192", "--max-semi-space-size=64", ...childNodeArgs],
  });
  const startupSeconds = (performance.now() - t0) / 1000;
  log(`  registry start-up (replaying ${server.treeSize} entries into the projections): ${f(startupSeconds, 1)} s`);
  const authority = readSignerKeyFile(devAuthorityKeyPath(dataDir));
  const trust = resolveTrust({
    logKey: server.logVerifierKey,
    authorityPublicKey: authority.publicKey,
    ed25519: nodeEd25519,
  });
  try {
    const rand = prng(entries);
    const ids = Array.from({ length: requests }, () => labelIdOf(Math.floor(rand() * labels)));
    const reqs = ids.map((labelId) => Buffer.from(GetLabelRequest.encode({ labelId }).finish()));
    const client = rawClient(server.address);
    await closedLoopUnary("warm-up", client, GET_LABEL, reqs.slice(0, 500), concurrency, judge);
    const getLabel = await closedLoopUnary(`GetLabel (c=${concurrency})`, client, GET_LABEL, reqs, concurrency, judge);

    // One recorded response for the no-op, and bundles for the verifier.
    const responses: GetLabelResponse[] = [];
    let sample: Buffer = Buffer.alloc(0);
    await Promise.all(
      ids.slice(0, 2000).map(
        (labelId) =>
          new Promise<void>((res, rej) =>
            client.makeUnaryRequest(
              GET_LABEL,
              (b: Buffer) => b,
              (b: Buffer) => b,
              Buffer.from(GetLabelRequest.encode({ labelId }).finish()),
              (err, r) => {
                if (err) return rej(err);
                sample = r!;
                responses.push(GetLabelResponse.decode(r!));
                res();
              },
            ),
          ),
      ),
    );
    client.close();

    // VerifyLabels of 10,000 ids, compact.
    const bulkIds = Array.from({ length: 10_000 }, () => labelIdOf(Math.floor(rand() * labels)));
    const vc = new VerificationServiceClient(server.address, grpc.credentials.createInsecure(), {
      "grpc.max_receive_message_length": 64 << 20,
    });
    const got: VerifyLabelsResponse[] = [];
    const b0 = performance.now();
    await new Promise<void>((res, rej) => {
      const call = vc.verifyLabels();
      call.on("data", (m: VerifyLabelsResponse) => got.push(m));
      call.on("end", res);
      call.on("error", rej);
      call.write({ labelIds: bulkIds, compact: true });
      call.end();
    });
    const bulkSeconds = (performance.now() - b0) / 1000;
    vc.close();
    const c0 = performance.now();
    const compact = new CompactBundles();
    const warm = memoizedTrust(trust);
    let bulkValid = 0;
    for (const m of got) {
      const r = compact.accept(m);
      if (r?.result?.$case === "label" && verifyLabelBundle(compact.expand(r.result.value.bundle!), warm).valid)
        bulkValid++;
    }
    const bulkVerifySeconds = (performance.now() - c0) / 1000;

    // Verifier alone vs its Ed25519 verifications alone, on the same bundles.
    const bundles = responses.map((r) => r.bundle!);
    const sigs: { pk: Uint8Array; msg: Uint8Array; sig: Uint8Array }[][] = bundles.map((b) => {
      const note = parseSignedNote(b.checkpoint);
      const out = [
        { pk: publicKeyOfVerifierKey(server.logVerifierKey), msg: note.textBytes, sig: note.signatures[0]!.signature },
      ];
      const all = [...b.contextEntries, ...b.entries].sort((x, y) => Number(x.index - y.index));
      for (const p of all) {
        const d = decodeStatementEntry(p.entry);
        if (isViolation(d)) throw new Error(d.message);
        const pk = d.statement.kind?.$case.startsWith("label")
          ? findIssuerKey(all, d.statement.labelId)
          : authority.publicKey;
        out.push({ pk, msg: statementSigningInput(d.statementBytes), sig: d.signature });
      }
      return out;
    });
    const sigsPerBundle = sigs.reduce((a, s) => a + s.length, 0) / sigs.length;
    // Interleaved in slices of 100 bundles, so both rates see the same machine: measured one
    // after the other, a change of load between the two phases moved the ratio by tens of points.
    let ok = 0;
    let verifierMs = 0;
    let ed25519Ms = 0;
    for (let rep = 0; rep < 3; rep++) {
      for (let from = 0; from < bundles.length; from += 100) {
        const to = Math.min(bundles.length, from + 100);
        let t = performance.now();
        for (let k = from; k < to; k++) if (verifyLabelBundle(bundles[k]!, trust).valid) ok++;
        verifierMs += performance.now() - t;
        t = performance.now();
        for (let k = from; k < to; k++)
          for (const s of sigs[k]!)
            if (!nodeEd25519.verify(s.pk, s.msg, s.sig)) throw new Error("signature does not verify");
        ed25519Ms += performance.now() - t;
      }
    }
    if (ok !== 3 * bundles.length) throw new Error(`only ${ok} of ${3 * bundles.length} bundles verified valid`);
    const bundlesPerSecond = (3 * bundles.length) / (verifierMs / 1000);
    const ed25519BundlesPerSecond = (3 * sigs.length) / (ed25519Ms / 1000);

    // A tender list of 10,000 label ids, checked by the CLI (a child process, built code).
    const tenderDir = join(dataDir, "..", `tender-${entries}`);
    mkdirSync(tenderDir, { recursive: true });
    const tenderIds = Array.from({ length: 10_000 }, () => labelIdOf(Math.floor(rand() * labels)));
    writeFileSync(join(tenderDir, "list.csv"), `label_id\n${tenderIds.join("\n")}\n`);
    const t1 = performance.now();
    const tender = spawnSync(
      process.execPath,
      [
        labelregBin,
        "tender",
        "check",
        "--csv",
        join(tenderDir, "list.csv"),
        "--min-tier",
        "1",
        "--valid-through",
        new Date().toISOString().slice(0, 10),
        "--out",
        tenderDir,
        "--registry",
        server.address,
        "--log-key",
        server.logVerifierKey,
        "--authority-key",
        authority.verifierKey,
      ],
      { encoding: "utf8", maxBuffer: 64 << 20 },
    );
    const tenderSeconds = (performance.now() - t1) / 1000;
    if (tender.status !== 0)
      throw new Error(`tender check failed (${tender.status}): ${tender.stdout.slice(-500)}${tender.stderr}`);

    await server.stop();
    // The no-op answers the same bytes as a real GetLabel response.
    writeFileSync(join(dataDir, "..", "verify-noop.bin"), sample);
    const noopProc = await startNoopServer(
      join(dataDir, "..", "verify-noop.bin"),
      join(dataDir, "..", "verify-noop.bin"),
    );
    try {
      const nc = rawClient(noopProc.address);
      await closedLoopUnary("warm-up", nc, NOOP_UNARY_PATH, reqs.slice(0, 500), concurrency, judge);
      const noop = await closedLoopUnary(`no-op (c=${concurrency})`, nc, NOOP_UNARY_PATH, reqs, concurrency, judge);
      nc.close();
      return {
        entries: server.treeSize,
        labels,
        startupSeconds,
        getLabel,
        noop,
        responseBytes: sample.length,
        bulkSeconds,
        bulkVerifySeconds,
        bulkValid,
        bundlesPerSecond,
        ed25519BundlesPerSecond,
        sigsPerBundle,
        tenderSeconds,
      };
    } finally {
      noopProc.kill();
    }
  } catch (e) {
    await server.kill();
    throw e;
  }
}

/** The current issuer key for a label's issuer, from the accreditations in a bundle's context. */
function findIssuerKey(all: readonly { entry: Uint8Array }[], labelId: string): Uint8Array {
  const issuerId = labelId.slice(0, labelId.indexOf("-"));
  for (const p of all) {
    const d = decodeStatementEntry(p.entry);
    if (
      !isViolation(d) &&
      d.statement.kind?.$case === "issuerAccredited" &&
      d.statement.kind.value.issuerId === issuerId
    )
      return d.statement.kind.value.publicKey;
  }
  throw new Error(`no accreditation of ${issuerId} in the bundle`);
}

const results: SizeResult[] = [];
for (const n of sizes) results.push(await runSize(n));

log(
  `\nmachine: ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), node ${process.version}; client, registry and no-op each in their own process`,
);
for (const r of results) {
  log(`\n-- ${r.entries} entries, ${r.labels} labels (3 entries each); registry start-up ${f(r.startupSeconds, 1)} s`);
  log(
    `GetLabel:  ${f(r.getLabel.rate)} rps, p50 ${f(r.getLabel.p50Ms, 2)} ms, p99 ${f(r.getLabel.p99Ms, 2)} ms (response ${r.responseBytes} bytes)${Object.keys(r.getLabel.errors).length ? ` errors ${JSON.stringify(r.getLabel.errors)}` : ""}`,
  );
  log(
    `no-op:     ${f(r.noop.rate)} rps, p50 ${f(r.noop.p50Ms, 2)} ms, p99 ${f(r.noop.p99Ms, 2)} ms  -> GetLabel at ${f((100 * r.getLabel.rate) / r.noop.rate)}% of no-op (target >= 50%, p99 < 20 ms)`,
  );
  log(
    `VerifyLabels 10,000 ids (compact): server answer ${f(r.bulkSeconds, 2)} s (target < 2 s); client verification ${f(r.bulkVerifySeconds, 2)} s (memoized checkpoint and context signatures), ${r.bulkValid} valid`,
  );
  log(
    `verifier (cold, every signature of every bundle): ${f(r.bundlesPerSecond)} bundles/s; Ed25519 alone (${f(r.sigsPerBundle, 1)} signatures a bundle): ${f(r.ed25519BundlesPerSecond)} bundles/s -> ${f((100 * r.bundlesPerSecond) / r.ed25519BundlesPerSecond)}% (target >= 70%)`,
  );
  log(
    `tender check of 10,000 label ids (labelreg tender check, evidence and report): ${f(r.tenderSeconds, 1)} s (target < 10 s)`,
  );
}
if (results.length >= 2) {
  const [a, b] = [results[0]!, results[results.length - 1]!];
  log(
    `\nfrom ${a.entries} to ${b.entries} entries (x${f(b.entries / a.entries, 1)}; log2 grows x${f(Math.log2(b.entries) / Math.log2(a.entries), 2)}):`,
  );
  log(
    `  GetLabel rps x${f(b.getLabel.rate / a.getLabel.rate, 2)}, p99 x${f(b.getLabel.p99Ms / a.getLabel.p99Ms, 2)}; VerifyLabels time x${f(b.bulkSeconds / a.bulkSeconds, 2)}; verifier bundles/s x${f(b.bundlesPerSecond / a.bundlesPerSecond, 2)}; start-up x${f(b.startupSeconds / a.startupSeconds, 2)}`,
  );
}
