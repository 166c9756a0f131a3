// `labelreg issuer issue --csv FILE`: bulk issuance. Every row is checked before anything is
// sent (syntax and every stateless rule of the registry); valid rows go over one SubmitBulk
// stream with a bounded window. A failed row is reported with its rule and the rest continue;
// the exit code is 1 if any row failed.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SingleBar, Presets } from "cli-progress";
import type { Command } from "commander";
import { submitBulk, DEFAULT_BULK_WINDOW } from "../../services/client/bulk.js";
import { StatementSigner } from "../../services/client/signer.js";
import { parseCsv } from "../../services/csv/csv.js";
import { FieldError } from "./field-values.js";
import {
  LABEL_COLUMNS,
  REQUIRED_COLUMNS,
  labelStatementFromFields,
  type LabelColumn,
  type LabelFields,
} from "./label-fields.js";
import { UnverifiedReceiptError } from "../../services/client/errors.js";
import {
  describeRefusal,
  EXIT_REFUSED,
  EXIT_UNVERIFIED_RECEIPT,
  openClient,
  saveReceipt,
  unverifiedReceiptPath,
  type SubmitOptions,
} from "./submit-command.js";

export interface CsvIssueOptions extends SubmitOptions {
  csv: string;
  window?: string;
  progress?: boolean;
}

/** One row's failure: the status (INVALID_ARGUMENT for rows refused before sending) and the rule. */
export interface RowFailure {
  readonly row: number;
  readonly line: number;
  readonly labelId: string;
  readonly code: string;
  readonly rule: string;
  readonly message: string;
}

export function addCsvOptions(cmd: Command): Command {
  return cmd
    .option("--csv <file>", "issue one label per row of this CSV file (header row; columns in README)")
    .option("--window <n>", "statements in flight at once with --csv", String(DEFAULT_BULK_WINDOW))
    .option("--no-progress", "no progress bar");
}

interface ValidRow {
  readonly row: number;
  readonly line: number;
  readonly fields: LabelFields;
  readonly labelId: string;
}

/** Reads and checks the file: header errors throw (nothing is sent); row errors are returned. */
export function readLabelCsv(text: string): { valid: ValidRow[]; failures: RowFailure[]; rows: number } {
  const records = parseCsv(text);
  const header = records.shift();
  if (!header) throw new Error("the CSV file is empty (a header row is required)");
  const cols = header.fields.map((h) => h.trim().toLowerCase());
  const unknown = cols.filter((c) => !(LABEL_COLUMNS as readonly string[]).includes(c));
  if (unknown.length)
    throw new Error(`unknown CSV column(s): ${unknown.join(", ")}; the columns are ${LABEL_COLUMNS.join(", ")}`);
  const dup = cols.find((c, i) => cols.indexOf(c) !== i);
  if (dup) throw new Error(`CSV column ${dup} appears twice`);
  const missing = REQUIRED_COLUMNS.filter((c) => !cols.includes(c));
  if (missing.length) throw new Error(`missing CSV column(s): ${missing.join(", ")}`);

  const valid: ValidRow[] = [];
  const failures: RowFailure[] = [];
  const seen = new Map<string, number>();
  records.forEach((rec, i) => {
    const row = i + 1;
    const fields: LabelFields = {};
    cols.forEach((c, j) => (fields[c as LabelColumn] = rec.fields[j] ?? ""));
    const labelId = fields.label_id?.trim() ?? "";
    const fail = (rule: string, message: string) =>
      failures.push({ row, line: rec.line, labelId, code: "INVALID_ARGUMENT", rule, message });
    if (rec.fields.length !== cols.length)
      return fail("column-count", `the row has ${rec.fields.length} fields, the header ${cols.length}`);
    try {
      labelStatementFromFields(fields);
    } catch (e) {
      if (!(e instanceof FieldError)) throw e;
      return fail(e.field, e.message);
    }
    const first = seen.get(labelId);
    if (first !== undefined) return fail("duplicate-label-id", `label id ${labelId} is also on row ${first}`);
    seen.set(labelId, row);
    valid.push({ row, line: rec.line, fields, labelId });
  });
  return { valid, failures, rows: records.length };
}

/** Rows the progress bar's ETA averages over. */
const ETA_WINDOW = 512;

export async function issueFromCsv(o: CsvIssueOptions): Promise<void> {
  const { valid, failures, rows } = readLabelCsv(readFileSync(o.csv, "utf8"));
  const signer = StatementSigner.fromKeyFile(o.key);
  const outDir = o.out ?? "receipts";
  const window = Number.parseInt(o.window ?? "", 10);
  // The ETA is the rate over the last ETA_WINDOW rows, not the last 10 (cli-progress's default),
  // which jumped about while the stream's window filled; {eta_formatted} says "1m30s", not "90".
  const bar = new SingleBar(
    {
      format: "issuing [{bar}] {value}/{total} rows | {issued} issued, {failed} failed | eta {eta_formatted}",
      stream: process.stderr,
      etaBuffer: ETA_WINDOW,
    },
    Presets.shades_classic,
  );
  if (o.progress !== false) bar.start(rows, failures.length, { issued: 0, failed: failures.length });
  let issued = 0;
  let unverified = 0;

  // Statements are built as they are sent, so signed-at stays within the registry's clock skew
  // however long the file takes.
  const client = openClient(o);
  function* statements() {
    for (const v of valid) yield client.sign(signer, labelStatementFromFields(v.fields));
  }
  try {
    await submitBulk(client, statements(), {
      window: Number.isInteger(window) && window > 0 ? window : DEFAULT_BULK_WINDOW,
      onResult: (r) => {
        const v = valid[r.position]!;
        if (r.ok) {
          saveReceipt(join(outDir, `${v.labelId}.json`), r.receipt);
          issued++;
        } else if (r.error instanceof UnverifiedReceiptError) {
          // Logged, most likely, but not provably under --log-key: kept, and not counted as refused.
          saveReceipt(unverifiedReceiptPath(join(outDir, `${v.labelId}.json`)), r.error);
          unverified++;
          failures.push({
            row: v.row,
            line: v.line,
            labelId: v.labelId,
            code: r.error.code,
            rule: "receipt-unverified",
            message: `logged at index ${r.error.claimedIndex} (as the registry says), but the receipt did not verify under the log key ${o.logKey}: ${r.error.message}`,
          });
        } else {
          failures.push({
            row: v.row,
            line: v.line,
            labelId: v.labelId,
            code: r.error.code,
            rule: r.error.rule,
            message: r.error.message,
          });
        }
        bar.increment(1, { issued, failed: failures.length });
      },
    });
  } finally {
    client.close();
    bar.stop();
  }
  failures.sort((a, b) => a.row - b.row);
  const summary = {
    rows,
    issued,
    failed: failures.length - unverified,
    unverified,
    invalid: failures.filter((f) => f.code === "INVALID_ARGUMENT").length,
    receipts: outDir,
  };
  if (o.json) console.log(JSON.stringify({ ...summary, failures }));
  else {
    for (const f of failures)
      console.error(`row ${f.row} (line ${f.line}) ${f.labelId || "-"}: ${describeRefusal(f.code, f.rule, f.message)}`);
    const unverifiedText = unverified
      ? `, ${unverified} logged with a receipt that did not verify under ${o.logKey} (probably the wrong --log-key; saved as <label id>.unverified.json; do not resend them)`
      : "";
    console.log(`${rows} rows: ${issued} issued, ${summary.failed} failed${unverifiedText}; receipts in ${outDir}/`);
  }
  if (unverified > 0) process.exitCode = EXIT_UNVERIFIED_RECEIPT;
  else if (failures.length > 0) process.exitCode = EXIT_REFUSED;
}
