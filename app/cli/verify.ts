// `labelreg verify`: checks labels the way a platform would, with two keys (the log's and the
// authority's) and nothing else trusted. A label id asks the registry for its bundle; --bundle
// verifies a saved bundle offline; --csv verifies many ids over one VerifyLabels call (compact
// form, progress bar). Human output by default, --json for machines. Exit code 0 only when
// every label is valid, 1 otherwise (2: usage or connection errors).
//
// --at DATE (and --min-tier N) asks about one label at a point in time, from its complete
// history (services/verify/point-in-time.ts): exit 0 yes, 1 no, 3 when the answer cannot be
// verified (as the write commands' unverified receipt), 2 usage or connection errors.
import { readFileSync, writeFileSync } from "node:fs";
import * as grpc from "@grpc/grpc-js";
import { SingleBar, Presets } from "cli-progress";
import type { Command } from "commander";
import {
  GetLabelResponse,
  LabelBundle,
  type VerifyLabelsResponse,
} from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { VerificationServiceClient } from "../../services/grpc/clients.js";
import { channelCredentials } from "../../services/client/connect.js";
import { ABSENCE_METADATA_KEY } from "../../services/client/errors.js";
import { parseCosignatureVerifierKey } from "../../log/cosignature.js";
import { witnessPolicy, type WitnessPolicy } from "../../log/witness-policy.js";
import { publicKeyOfVerifierKey, readVerifierKey } from "../../services/config/key-files.js";
import { nodeEd25519 } from "../../services/crypto/ed25519-node.js";
import { CompactBundles } from "../../services/verify/compact.js";
import { verifyLabelBundle } from "../../services/verify/bundle.js";
import { verifyEvidence, type EvidenceCheck } from "../../services/verify/tender-evidence.js";
import { memoizedTrust } from "../../services/verify/memo.js";
import { resolveTrust, type ResolvedTrust } from "../../services/verify/trust.js";
import type { Verdict } from "../../services/verify/verdict.js";
import { parseCsv } from "../../services/csv/csv.js";
import { answerAbsentAt, answerAt, parseAtDate, parseMinTier, reportAt, type AtQuestion } from "./verify-at.js";
import { unreachable } from "./unreachable.js";
import { verifyState } from "./verify-state.js";

interface VerifyOptions {
  registry: string;
  logKey: string;
  authorityKey: string;
  bundle?: string;
  csv?: string;
  evidence?: string;
  saveBundle?: string;
  json?: boolean;
  at?: string;
  minTier?: string;
  allowIncomplete?: boolean;
  tlsCa?: string;
  witnessKey?: string[];
  witnessRequired?: string;
  product?: string;
  manufacturer?: string;
}

/** --witness-key (repeatable) and --witness-required k as a policy; k defaults to every key given. */
function witnessPolicyOf(o: VerifyOptions): WitnessPolicy | undefined {
  if (!o.witnessKey?.length) {
    if (o.witnessRequired !== undefined) throw new Error("--witness-required needs --witness-key");
    return undefined;
  }
  const k = o.witnessRequired === undefined ? o.witnessKey.length : Number(o.witnessRequired);
  if (!Number.isSafeInteger(k) || k < 1 || k > o.witnessKey.length)
    throw new Error(
      `--witness-required must be a whole number from 1 to ${o.witnessKey.length} (the --witness-key count)`,
    );
  return witnessPolicy(
    k,
    o.witnessKey.map((key) => parseCosignatureVerifierKey(readVerifierKeyText(key))),
  );
}

/** A witness key as given, or read from the file it names. */
function readVerifierKeyText(keyOrPath: string): string {
  try {
    return readFileSync(keyOrPath, "utf8").trim();
  } catch {
    return keyOrPath.trim();
  }
}

/** Label ids from a CSV: the `label_id` column if there is a header naming it, else the first column. */
export function labelIdsFromCsv(text: string): string[] {
  const records = parseCsv(text);
  const header = records[0]?.fields.map((f) => f.trim().toLowerCase()) ?? [];
  const col = header.indexOf("label_id");
  const rows = col >= 0 ? records.slice(1) : records;
  return rows.map((r) => (r.fields[Math.max(col, 0)] ?? "").trim()).filter((id) => id !== "");
}

/** A bundle file: a LabelBundle, or a GetLabel answer holding one, as protobuf JSON. */
export function readBundleFile(path: string): LabelBundle {
  const json = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  return "bundle" in json
    ? (GetLabelResponse.fromJSON(json).bundle ?? LabelBundle.fromJSON({}))
    : LabelBundle.fromJSON(json);
}

function human(v: Verdict): string {
  const l = v.label;
  const head = `${v.labelId}: ${v.status.toUpperCase()}`;
  const what = l
    ? ` — ${l.manufacturerName} ${l.productModel}, ${"★".repeat(l.tier)} tier ${l.tier}, issuer ${l.issuerId}, valid ${date(l.validFromUnix)} to ${date(l.validUntilUnix)}`
    : "";
  const why = v.reasons.map((r) => `\n    ${r.code}: ${r.message}`).join("");
  const asOf = v.asOf
    ? `\n    as of checkpoint ${v.asOf.origin} size ${v.asOf.size}${v.cosignedBy.length ? ` cosigned by ${v.cosignedBy.join(", ")}` : ""}`
    : "";
  const complete = v.completeAsOf
    ? `\n    the label's complete, current record as of that checkpoint (${new Date(v.completeAsOf.sequencedAtUnix * 1000).toISOString()})`
    : "";
  return head + what + why + asOf + complete;
}

const date = (unix: number) => new Date(unix * 1000).toISOString().slice(0, 10);

function report(verdicts: readonly Verdict[], json: boolean): number {
  if (json) console.log(JSON.stringify(verdicts.length === 1 ? verdicts[0] : verdicts, null, 2));
  else {
    for (const v of verdicts) console.log(human(v));
    const limits = verdicts.find((v) => v.doesNotProve.length > 0)?.doesNotProve;
    if (limits) console.log(`\nA bundle does not prove:\n${limits.map((d) => `  - ${d}`).join("\n")}`);
    if (verdicts.length > 1)
      console.log(`\n${verdicts.filter((v) => v.valid).length} of ${verdicts.length} labels valid`);
  }
  return verdicts.length > 0 && verdicts.every((v) => v.valid) ? 0 : 1;
}

/** A tender evidence check: exit 0 when every proof holds and every answer follows from its proofs. */
function reportEvidence(c: EvidenceCheck, json: boolean): number {
  if (json) console.log(JSON.stringify(c, null, 2));
  else if (c.ok) {
    const meets = c.rows.filter((r) => r.outcome === "meets").length;
    console.log(
      `evidence verified: ${c.rows.length} rows (${meets} meet the tender), every answer proven as the file states`,
    );
  } else console.log(`evidence does NOT verify:\n${c.problems.map((p) => `  - ${p}`).join("\n")}`);
  return c.ok ? 0 : 1;
}

function notFound(labelId: string, code: string, message: string): Verdict {
  // The registry's messages already begin with their rule; say it once.
  const text = message.startsWith(`${code}: `) ? message.slice(code.length + 2) : message;
  return {
    labelId,
    status: "not-verifiable",
    valid: false,
    reasons: [{ code, message: text }],
    asOf: undefined,
    cosignedBy: [],
    evaluatedAtUnix: Math.floor(Date.now() / 1000),
    label: undefined,
    consistentWith: undefined,
    completeAsOf: undefined,
    doesNotProve: [],
  };
}

async function bulk(
  client: VerificationServiceClient,
  ids: readonly string[],
  coldTrust: ResolvedTrust,
  progress: boolean,
): Promise<Verdict[]> {
  const bar = progress
    ? new SingleBar(
        { format: "verifying [{bar}] {value}/{total} labels", stream: process.stderr },
        Presets.shades_classic,
      )
    : undefined;
  bar?.start(ids.length, 0);
  // One checkpoint and shared context entries: verify each of their signatures once.
  const trust = memoizedTrust(coldTrust);
  const compact = new CompactBundles();
  const verdicts: Verdict[] = [];
  const call = client.verifyLabels();
  await new Promise<void>((res, rej) => {
    call.on("data", (m: VerifyLabelsResponse) => {
      const r = compact.accept(m);
      if (!r) return;
      if (r.result?.$case === "label")
        verdicts.push(verifyLabelBundle(compact.expand(r.result.value.bundle!), trust, { expectedLabelId: r.labelId }));
      else if (r.result?.$case === "error")
        verdicts.push(notFound(r.labelId, r.result.value.rule, r.result.value.message));
      bar?.increment();
    });
    call.on("end", res);
    call.on("error", rej);
    for (let i = 0; i < ids.length; i += 10_000) call.write({ labelIds: ids.slice(i, i + 10_000), compact: true });
    call.end();
  });
  bar?.stop();
  return verdicts;
}

/** The point-in-time question of --at / --min-tier, if asked. */
function atQuestion(o: VerifyOptions): AtQuestion | undefined {
  if (o.at === undefined && o.minTier === undefined) return undefined;
  return {
    atUnix: o.at === undefined ? BigInt(Math.floor(Date.now() / 1000)) : parseAtDate(o.at),
    minTier: parseMinTier(o.minTier),
    allowIncomplete: o.allowIncomplete === true,
  };
}

export function registerVerify(cmd: Command): void {
  cmd
    .requiredOption("--log-key <vkey|file>", "the log's verifier key")
    .requiredOption("--authority-key <vkey|file>", "the authority's verifier key")
    .option("--registry <host:port>", "the registry's gRPC address", "127.0.0.1:50051")
    .option("--bundle <file>", "verify a saved bundle (protobuf JSON) offline")
    .option("--csv <file>", "verify every label id in a CSV (a label_id column, or the first column)")
    .option("--evidence <file>", "re-check a tender check's evidence file offline (labelreg tender check)")
    .option("--save-bundle <file>", "with a label id: save the bundle for offline verification")
    .option(
      "--at <date>",
      "answer for this time from the label's complete history: a date (2026-09-01, 00:00 UTC), a date and time with offset, or Unix seconds; exit 0 yes, 1 no, 3 not verifiable",
    )
    .option("--min-tier <stars>", "with --at (default now): was the label valid with at least this many stars (1-3)?")
    .option(
      "--allow-incomplete",
      "accept a bundle without a completeness proof (from a log written before map commitments); the answer may then miss a suspension or revocation",
    )
    .option("--tls-ca <file>", "connect with TLS, trusting this CA")
    .option(
      "--witness-key <vkey|file>",
      "a witness's cosignature verifier key; the checkpoint must carry its cosignature (repeat for more)",
      (v: string, p: string[] = []) => [...p, v],
    )
    .option("--witness-required <k>", "how many of the --witness-key witnesses must have cosigned (default: all)")
    .option("--product <code/model>", "a product's labels, proven complete: REGISTRATION_CODE/MODEL")
    .option("--manufacturer <code>", "every product of a manufacturer with its labels, proven complete")
    .option("--json", "machine-readable verdicts")
    .action(async (labelId: string | undefined, o: VerifyOptions) => {
      const modes = [labelId, o.bundle, o.csv, o.product, o.manufacturer, o.evidence].filter(
        (m) => m !== undefined,
      ).length;
      if (modes !== 1)
        throw new Error(
          "give exactly one of: a label id, --bundle FILE, --csv FILE, --product CODE/MODEL, --manufacturer CODE, --evidence FILE",
        );
      const policy = witnessPolicyOf(o);
      const trust = resolveTrust({
        logKey: readVerifierKey(o.logKey),
        authorityPublicKey: publicKeyOfVerifierKey(readVerifierKey(o.authorityKey)),
        ed25519: nodeEd25519,
        ...(policy ? { witnessPolicy: policy } : {}),
      });
      const at = atQuestion(o);
      if (at && (o.csv || o.evidence || o.product !== undefined || o.manufacturer !== undefined))
        throw new Error("--at and --min-tier ask about one label: give a label id or --bundle FILE");
      const plain = o.allowIncomplete ? { allowIncomplete: true } : {};
      if (o.evidence) {
        process.exitCode = reportEvidence(verifyEvidence(readFileSync(o.evidence, "utf8"), trust), Boolean(o.json));
        return;
      }
      if (o.product !== undefined || o.manufacturer !== undefined) {
        process.exitCode = await verifyState(o, trust);
        return;
      }
      if (o.bundle) {
        const bundle = readBundleFile(o.bundle);
        process.exitCode = at
          ? reportAt(answerAt(bundle, trust, at), Boolean(o.json))
          : report([verifyLabelBundle(bundle, trust, plain)], Boolean(o.json));
        return;
      }
      const client = new VerificationServiceClient(
        o.registry,
        channelCredentials(o.tlsCa ? { caFile: o.tlsCa } : undefined),
      );
      try {
        if (o.csv) {
          const ids = labelIdsFromCsv(readFileSync(o.csv, "utf8"));
          const verdicts = await bulk(client, ids, trust, !o.json && process.stderr.isTTY).catch((e: unknown) => {
            const se = e as Partial<grpc.ServiceError>;
            if (se.code === grpc.status.UNAVAILABLE || se.code === grpc.status.DEADLINE_EXCEEDED)
              throw new Error(unreachable("the registry", o.registry, se.details || se.message || ""));
            throw e;
          });
          process.exitCode = report(verdicts, Boolean(o.json));
          return;
        }
        const res = await new Promise<GetLabelResponse | grpc.ServiceError>((r) =>
          client.getLabel({ labelId: labelId! }, (e, v) => r(e ?? v!)),
        );
        if (res instanceof Error) {
          if (res.code !== grpc.status.NOT_FOUND && res.code !== grpc.status.INVALID_ARGUMENT)
            throw new Error(
              res.code === grpc.status.UNAVAILABLE || res.code === grpc.status.DEADLINE_EXCEEDED
                ? unreachable("the registry", o.registry, res.details || res.message)
                : `registry: ${res.details || res.message}`,
            );
          if (at && res.code === grpc.status.NOT_FOUND) {
            const absence = res.metadata?.get(ABSENCE_METADATA_KEY)[0];
            const bundle = absence instanceof Uint8Array ? LabelBundle.decode(absence) : undefined;
            process.exitCode = reportAt(answerAbsentAt(labelId!, bundle, trust, at), Boolean(o.json));
            return;
          }
          process.exitCode = report(
            [notFound(labelId!, res.code === grpc.status.NOT_FOUND ? "label-not-found" : "malformed-id", res.details)],
            Boolean(o.json),
          );
          return;
        }
        if (o.saveBundle) writeFileSync(o.saveBundle, JSON.stringify(LabelBundle.toJSON(res.bundle!), null, 2) + "\n");
        if (at) {
          process.exitCode = reportAt(answerAt(res.bundle!, trust, at, labelId!), Boolean(o.json));
          return;
        }
        process.exitCode = report(
          [verifyLabelBundle(res.bundle!, trust, { ...plain, expectedLabelId: labelId! })],
          Boolean(o.json),
        );
      } finally {
        client.close();
      }
    });
}
