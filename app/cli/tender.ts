// `labelreg tender check`: a procurement list (label ids, or products by registration code and
// model) checked against a tender's criteria (minimum tier, valid through a date, a category).
// Each row gets an outcome from verified proofs; the answers and their proofs go into one
// evidence file that `labelreg verify --evidence` re-checks offline, and a printable bilingual
// report goes beside it. Exit code 0 when every row meets the criteria, 1 otherwise (2: usage or
// connection errors).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import type { Command } from "commander";
import { MapAbsence, type VerifyLabelsResponse } from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { VerificationServiceClient } from "../../services/grpc/clients.js";
import { tenderReportHtml } from "../../gateway/page/tender-report.js";
import { channelCredentials } from "../../services/client/connect.js";
import { MAP_ABSENCE_METADATA_KEY } from "../../services/client/errors.js";
import { publicKeyOfVerifierKey, readVerifierKey } from "../../services/config/key-files.js";
import { nodeEd25519 } from "../../services/crypto/ed25519-node.js";
import { checkCriteria, type TenderCriteria } from "../../services/verify/tender.js";
import { collectTenderAnswers, tenderRows, type TenderReads } from "../../services/verify/tender-collect.js";
import { answerRows, encodeEvidence, type TenderAnswers } from "../../services/verify/tender-evidence.js";
import { resolveTrust } from "../../services/verify/trust.js";
import { unreachable } from "./unreachable.js";

/** Most rows in one tender list (one VerifyLabels call answers at most 100,000 labels). */
export const MAX_TENDER_ROWS = 100_000;
/** Product lookups asked at once. */
const CONCURRENCY = 16;

interface TenderOptions {
  csv: string;
  minTier: string;
  validThrough: string;
  category?: string;
  out: string;
  registry: string;
  logKey: string;
  authorityKey: string;
  tlsCa?: string;
}

export function registerTender(cmd: Command): void {
  cmd
    .command("check")
    .description("check a procurement list against a tender's criteria, with evidence that re-verifies offline")
    .requiredOption("--csv <file>", "the list: a label_id column, or registration_code and model columns")
    .requiredOption("--min-tier <n>", "the lowest tier that meets the tender (1, 2 or 3)")
    .requiredOption("--valid-through <YYYY-MM-DD>", "the last day the label must still be valid (UTC)")
    .option("--category <id>", "the catalogue category the label must be in")
    .requiredOption("--out <dir>", "where to write evidence.json and report.html")
    .requiredOption("--log-key <vkey|file>", "the log's verifier key")
    .requiredOption("--authority-key <vkey|file>", "the authority's verifier key")
    .option("--registry <host:port>", "the registry's gRPC address", "127.0.0.1:50051")
    .option("--tls-ca <file>", "connect with TLS, trusting this CA")
    .action(async (o: TenderOptions) => {
      const criteria: TenderCriteria = {
        minTier: Number(o.minTier),
        validThrough: o.validThrough,
        ...(o.category !== undefined ? { categoryId: o.category } : {}),
      };
      checkCriteria(criteria);
      const rows = tenderRows(readFileSync(o.csv, "utf8"), MAX_TENDER_ROWS);
      const trust = resolveTrust({
        logKey: readVerifierKey(o.logKey),
        authorityPublicKey: publicKeyOfVerifierKey(readVerifierKey(o.authorityKey)),
        ed25519: nodeEd25519,
      });
      const client = new VerificationServiceClient(
        o.registry,
        channelCredentials(o.tlsCa ? { caFile: o.tlsCa } : undefined),
        { "grpc.max_receive_message_length": 256 * 1024 * 1024 },
      );
      let answers: TenderAnswers;
      try {
        answers = await collectTenderAnswers(grpcTenderReads(client), rows, CONCURRENCY);
      } catch (e) {
        const se = e as Partial<grpc.ServiceError>;
        if (se.code === grpc.status.UNAVAILABLE || se.code === grpc.status.DEADLINE_EXCEEDED)
          throw new Error(unreachable("the registry", o.registry, se.details || se.message || ""));
        if (se.code !== undefined) throw new Error(`registry: ${se.details || se.message}`);
        throw e;
      } finally {
        client.close();
      }
      const evaluatedAtUnix = Math.floor(Date.now() / 1000);
      const answered = answerRows(rows, answers, criteria, trust, evaluatedAtUnix);
      mkdirSync(o.out, { recursive: true });
      writeFileSync(
        join(o.out, "evidence.json"),
        encodeEvidence(criteria, evaluatedAtUnix, answered.checkpoint, answered.rows, answers),
      );
      writeFileSync(
        join(o.out, "report.html"),
        tenderReportHtml({
          criteria,
          evaluatedAtUnix,
          checkpoint: answered.checkpoint,
          log: trust.log,
          rows: answered.rows,
        }),
      );
      const counts = new Map<string, number>();
      for (const r of answered.rows) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1);
      for (const r of answered.rows) if (r.outcome !== "meets") console.log(`row ${r.row}: ${r.outcome} — ${r.reason}`);
      console.log(
        `${counts.get("meets") ?? 0} of ${answered.rows.length} rows meet the tender (${[...counts]
          .map(([k, n]) => `${k} ${n}`)
          .join(", ")}); evidence and report in ${o.out}`,
      );
      process.exitCode = answered.rows.every((r) => r.outcome === "meets") ? 0 : 1;
    });
}

/** The check's reads over the registry's gRPC API. */
function grpcTenderReads(client: VerificationServiceClient): TenderReads {
  return {
    lookupProduct: (registrationCode, productModel) =>
      new Promise((resolve, reject) =>
        client.lookupProduct({ registrationCode, productModel }, (e, v) => {
          if (!e) return resolve({ product: v });
          const bin = e.metadata?.get(MAP_ABSENCE_METADATA_KEY)[0];
          if (e.code === grpc.status.NOT_FOUND)
            resolve(bin instanceof Buffer ? { absence: MapAbsence.decode(bin) } : undefined);
          else if (e.code === grpc.status.INVALID_ARGUMENT) resolve(undefined);
          else reject(e);
        }),
      ),
    async *verifyLabels(labelIds) {
      const call = client.verifyLabels();
      // One stream, many requests: the server answers them all as of one snapshot.
      for (let i = 0; i < labelIds.length || i === 0; i += 10_000)
        call.write({ labelIds: labelIds.slice(i, i + 10_000), compact: true });
      call.end();
      yield* call as AsyncIterable<VerifyLabelsResponse>;
    },
  };
}
