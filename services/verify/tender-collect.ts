// What a tender check asks the registry, in one place for every front end: the CLI asks over gRPC,
// the gateway through its read API (in-process or over gRPC). The list's rows come from CSV text;
// the answers are the product lookups (or the products' proofs of absence), then one compact
// VerifyLabels stream for every label the rows reach (unknown ids with their proofs of absence).
import type {
  LookupProductResponse,
  MapAbsence,
  VerifyLabelsResponse,
} from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { parseCsv } from "../csv/csv.js";
import { LABEL_ID } from "../domain/syntax.js";
import { productKeyOf, type TenderAnswers, type TenderRow } from "./tender-evidence.js";

/** What the check needs of the registry. */
export interface TenderReads {
  /**
   * The product's lookup, or its proof of absence when the registry knows no such product;
   * undefined when it refuses the key as malformed (or proves nothing).
   */
  lookupProduct(
    registrationCode: string,
    model: string,
  ): Promise<{ product: LookupProductResponse } | { absence: MapAbsence } | undefined>;
  /** One compact VerifyLabels call for all of `labelIds` (even none): its messages, in order. */
  verifyLabels(labelIds: readonly string[]): AsyncIterable<VerifyLabelsResponse>;
}

/** A tender list the check refuses: the message names the rule broken. */
export class TenderListError extends Error {
  override name = "TenderListError";
  constructor(
    /** bad-header, bad-row, bad-label-id or too-many-rows. */
    readonly rule: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The rows of a tender list: a header naming `label_id`, or `registration_code` and `model`
 * (both kinds may be mixed, one per row). Throws TenderListError naming the line of a row that is
 * neither, or when there are more than `maxRows`; CsvError for malformed CSV.
 */
export function tenderRows(text: string, maxRows: number): TenderRow[] {
  const records = parseCsv(text);
  const header = records[0]?.fields.map((f) => f.trim().toLowerCase()) ?? [];
  const label = header.indexOf("label_id");
  const code = header.indexOf("registration_code");
  const model = header.indexOf("model");
  if (label < 0 && (code < 0 || model < 0))
    throw new TenderListError("bad-header", "the CSV's header must name label_id, or registration_code and model");
  const rows: TenderRow[] = [];
  for (const r of records.slice(1)) {
    const f = (c: number) => (c >= 0 ? (r.fields[c] ?? "").trim() : "");
    if (r.fields.every((x) => x.trim() === "")) continue;
    // Rows are counted without blank lines, so the evidence's row numbers are 1, 2, 3… and no
    // byte of them is free; a message names the file's line beside the row.
    const row = rows.length + 1;
    if (f(label) !== "") {
      // An id that cannot exist has no proof of absence either: the list is wrong, not the product.
      if (!LABEL_ID.test(f(label)))
        throw new TenderListError(
          "bad-label-id",
          `row ${row} (line ${r.line}): ${JSON.stringify(f(label).slice(0, 60))} is not a label id`,
        );
      rows.push({ row, labelId: f(label) });
    } else if (f(code) !== "" && f(model) !== "") rows.push({ row, registrationCode: f(code), model: f(model) });
    else
      throw new TenderListError(
        "bad-row",
        `row ${row} (line ${r.line}) names neither a label_id nor a registration_code and model`,
      );
    if (rows.length > maxRows) throw new TenderListError("too-many-rows", `at most ${maxRows} rows in one tender list`);
  }
  return rows;
}

/** Asks for everything the rows need: product lookups, then every label's bundle in one stream. */
export async function collectTenderAnswers(
  reads: TenderReads,
  rows: readonly TenderRow[],
  concurrency: number,
): Promise<TenderAnswers> {
  const products = new Map<string, LookupProductResponse>();
  const productAbsences = new Map<string, MapAbsence>();
  const wanted = [...new Set(rows.flatMap((r) => ("labelId" in r ? [] : [productKeyOf(r.registrationCode, r.model)])))];
  await pool(wanted, concurrency, async (key) => {
    const [registrationCode, model] = key.split("\n") as [string, string];
    const p = await reads.lookupProduct(registrationCode, model);
    if (p && "product" in p) products.set(key, p.product);
    else if (p) productAbsences.set(key, p.absence);
  });
  const labelIds = [
    ...new Set([
      ...rows.flatMap((r) => ("labelId" in r ? [r.labelId] : [])),
      ...[...products.values()].flatMap((p) => (p.liveLabelId ? [p.liveLabelId] : [])),
    ]),
  ];
  // Asked even for no ids: the stream's snapshot is the checkpoint the whole answer is as of.
  const stream: VerifyLabelsResponse[] = [];
  for await (const m of reads.verifyLabels(labelIds)) stream.push(m);
  return { stream, products, productAbsences };
}

async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}
