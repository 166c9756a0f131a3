// `labelreg audit`: an independent auditor of a registry's log. It trusts two keys only (the
// log's and the authority's), reads the public tlog-tiles read path, and exits non-zero on any
// finding, naming the entry index and the rule. See services/audit/auditor.ts.
import type { Command } from "commander";
import { SingleBar } from "cli-progress";
import { parseVerifierKey } from "../../log/note-keys.js";
import { CheckPool } from "../../services/audit/check-pool.js";
import { Auditor, type AuditReport } from "../../services/audit/auditor.js";
import { formatFinding } from "../../services/audit/findings.js";
import { grpcLabelReader } from "../../services/audit/operator.js";
import { httpTlogSource } from "../../services/audit/tlog-client.js";
import { publicKeyOfVerifierKey, readVerifierKey } from "../../services/config/key-files.js";
import { nodeEd25519 } from "../../services/crypto/ed25519-node.js";
import { domainConfig } from "../../services/domain/config.js";
import { unreachable } from "./unreachable.js";
import { availableParallelism } from "node:os";
import { writeFileSync } from "node:fs";
import { GetStatsResponse } from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { statsCsv } from "../../services/stats/csv.js";

interface AuditFlags {
  url: string;
  logKey: string;
  authorityKey: string;
  state: string;
  operatorGrpc?: string;
  sample: number;
  json?: boolean;
  follow?: boolean;
  interval: number;
  progress: boolean;
  clockSkew?: number;
  maxValidity?: number;
  stats?: string | true;
}

/** Facts the findings alone do not say: which keys the checkpoint's signature matched, if any. */
interface AuditContext {
  url: string;
  logKeyName: string;
  authorityKeyName: string;
}

/** A hint for a checkpoint the log key does not verify: the two keys given may be swapped. */
function keyHint(r: AuditReport, c: AuditContext): string | undefined {
  if (!r.findings.some((f) => f.rule === "checkpoint-not-signed")) return undefined;
  const origin = r.checkpoint.split("\n", 1)[0] ?? "";
  if (origin === c.authorityKeyName) {
    return `the checkpoint is from log ${JSON.stringify(origin)}, which is the name of the --authority-key: --log-key and --authority-key look swapped`;
  }
  if (origin !== c.logKeyName) {
    return `the checkpoint is from log ${JSON.stringify(origin)}, but --log-key is the key of ${JSON.stringify(c.logKeyName)}: check --log-key (is it the log's key, not the authority's, and for this --url?) before suspecting the operator`;
  }
  return undefined;
}

function printReport(r: AuditReport, json: boolean, c: AuditContext): void {
  const hint = keyHint(r, c);
  if (json) {
    console.log(JSON.stringify({ ...r, checkpoint: r.checkpoint, ...(hint ? { hint } : {}) }));
    return;
  }
  // Nothing was read: say where reading failed, not a range of entries.
  if (r.checkpoint === "" && r.findings.length === 1 && r.findings[0]!.rule === "read-failed") {
    const m = r.findings[0]!.message;
    const why = /: HTTP \d+$/.test(m)
      ? `the log's read path at ${c.url} answered ${m.replace(/^tlog-tiles: /, "")}`
      : unreachable("the log's read path", c.url, m);
    console.log(`labelreg audit: ${why}; nothing was audited`);
    return;
  }
  if (hint) console.log(`labelreg audit: ${hint}`);
  const range = r.fromSize === r.size ? `size ${r.size} (nothing new)` : `entries ${r.fromSize}..${r.size - 1}`;
  console.log(
    `labelreg audit: ${r.origin}: ${range}; ${r.entriesChecked} entries checked, ${r.entriesVerified} verified against tiles in ${r.seconds.toFixed(1)} s`,
  );
  if (r.operatorNote) console.log(`labelreg audit: operator read API: ${r.operatorNote}`);
  for (const f of r.findings) console.log(`  ${formatFinding(f)}`);
  console.log(r.ok ? "labelreg audit: OK: no violations" : `labelreg audit: ${r.findings.length} finding(s)`);
}

/** `--stats`: the figures of the audited log, only when the audit found nothing wrong. */
function writeStats(auditor: Auditor, target: string | true, ok: boolean): void {
  if (!ok) {
    console.error("labelreg audit: statistics not written: the audit has findings");
    return;
  }
  const answer = auditor.stats();
  const json = `${JSON.stringify(GetStatsResponse.toJSON(answer))}\n`;
  if (target === true) process.stdout.write(json);
  else writeFileSync(target, target.endsWith(".csv") ? statsCsv(answer.stats!) : json);
}

export function registerAudit(cmd: Command): void {
  cmd
    .requiredOption("--url <base>", "the log's tlog-tiles base URL (where /checkpoint is)")
    .requiredOption("--log-key <vkey|file>", "the log's verifier key")
    .requiredOption("--authority-key <vkey|file>", "the authority's verifier key")
    .option("--state <file>", "where the last verified checkpoint is kept between runs", "audit-state.json")
    .option("--operator-grpc <host:port>", "compare a sample of the operator's GetLabel answers (VerificationService)")
    .option("--sample <n>", "labels to compare with the operator", (v) => parseInt(v, 10), 100)
    .option("--json", "one JSON report per audited checkpoint")
    .option("--follow", "keep auditing new checkpoints as they appear")
    .option("--interval <seconds>", "how often --follow polls the checkpoint", (v) => Number(v), 5)
    .option("--no-progress", "no progress bar")
    .option(
      "--stats [file]",
      "recompute the registry's statistics (GET /api/v1/stats) from the tiles: JSON to stdout, or to a file (.csv: CSV)",
    )
    .option("--clock-skew <seconds>", "the registry's allowed clock skew, if not the default", (v) => parseInt(v, 10))
    .option("--max-validity <seconds>", "the registry's longest label validity, if not the default", (v) =>
      parseInt(v, 10),
    )
    .action(async (o: AuditFlags) => {
      const logKey = parseVerifierKey(readVerifierKey(o.logKey), nodeEd25519);
      const authorityKey = readVerifierKey(o.authorityKey);
      const authority = publicKeyOfVerifierKey(authorityKey);
      const context: AuditContext = {
        url: o.url,
        logKeyName: logKey.name,
        authorityKeyName: authorityKey.split("+", 1)[0] ?? "",
      };
      const domain = domainConfig(logKey.name, authority, nodeEd25519.verify, {
        ...(o.clockSkew !== undefined ? { clockSkewSeconds: o.clockSkew } : {}),
        ...(o.maxValidity !== undefined ? { maxValiditySeconds: o.maxValidity } : {}),
      });
      // Leaf hashes, decoding and signatures on every core (services/audit/check-pool.ts): the
      // main thread applies the rules meanwhile.
      const pool = new CheckPool({ threads: availableParallelism(), keys: [authority] });
      const operator = o.operatorGrpc ? grpcLabelReader(o.operatorGrpc) : undefined;
      const showBar = o.progress && !o.json && process.stderr.isTTY;
      const bar = new SingleBar({
        format: "{phase} [{bar}] {percentage}% {value}/{total} entries, {eta_formatted} left",
        stream: process.stderr,
        hideCursor: true,
      });
      let barPhase = "";
      const auditor = new Auditor({
        source: httpTlogSource(o.url),
        logKey,
        domain,
        checkPool: pool,
        statePath: o.state,
        sample: o.sample,
        ...(operator ? { operator: operator.read } : {}),
        ...(showBar
          ? {
              onProgress: (p: { phase: string; done: number; total: number }) => {
                if (p.phase !== barPhase) {
                  if (barPhase) bar.stop();
                  barPhase = p.phase;
                  bar.start(p.total, 0, { phase: p.phase === "replay" ? "rebuilding projections" : "auditing" });
                }
                bar.update(p.done);
                if (p.done === p.total) {
                  bar.stop();
                  barPhase = "";
                }
              },
            }
          : {}),
      });
      let failed = false;
      let stopping = false;
      process.once("SIGINT", () => (stopping = true));
      process.once("SIGTERM", () => (stopping = true));
      try {
        for (;;) {
          const r = await auditor.run();
          if (barPhase) bar.stop();
          barPhase = "";
          if (!o.follow || !r.ok || r.fromSize !== r.size || !o.json) printReport(r, Boolean(o.json), context);
          if (!r.ok) failed = true;
          if (o.stats !== undefined) writeStats(auditor, o.stats, r.ok);
          // A log failure (fork, tampering) ends a follow: nothing after it can be trusted.
          if (!o.follow || r.findings.some((f) => f.kind === "log") || stopping) break;
          await new Promise((res) => setTimeout(res, o.interval * 1000));
          if (stopping) break;
        }
      } finally {
        operator?.close();
        await pool.close();
      }
      process.exitCode = failed ? 1 : 0;
    });
}
