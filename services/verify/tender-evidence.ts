// A tender check's evidence file: every row's answer with the proofs it rests on, in one JSON
// document that `labelreg verify --evidence` re-checks offline with the log's and the authority's
// keys, years later. The proofs are the registry's own answers, kept as received: the VerifyLabels
// stream (compact: one checkpoint, each context entry once, unknown ids with their proofs of
// absence), and the product lookups (each product's labels and live label proven complete by the
// state map, or the product's proof of absence). The file is written in one canonical form, so a change to
// any byte of it is caught: a proof no longer verifies, an answer no longer follows from its
// proof, or the text is no longer canonical.
import {
  type LabelResult,
  LookupProductResponse,
  MapAbsence,
  VerifyLabelsResponse,
} from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { verifyLabelBundle } from "./bundle.js";
import { CompactBundles } from "./compact.js";
import { verifyLabelAbsence } from "./completeness.js";
import { memoizedTrust } from "./memo.js";
import { productMapId, verifyMapAbsence, verifyProductValue } from "./state-answers.js";
import {
  checkCriteria,
  tenderAnswer,
  type TenderAnswer,
  type TenderCriteria,
  type TenderOutcome,
  TENDER_OUTCOMES,
} from "./tender.js";
import type { ResolvedTrust } from "./trust.js";
import type { Verdict } from "./verdict.js";

export const EVIDENCE_FORMAT = "labelreg-tender-evidence/v1";

/** One row of the tender's list: a label id, or a product (registration code and model). */
export type TenderRow =
  | { readonly row: number; readonly labelId: string }
  | { readonly row: number; readonly registrationCode: string; readonly model: string };

export interface EvidenceRow {
  /** The row's number in the list: 1 = the first data row, blank lines not counted. */
  readonly row: number;
  readonly labelId?: string;
  readonly registrationCode?: string;
  readonly model?: string;
  /** The label the answer is about (a product's live label), if any. */
  readonly checkedLabelId?: string;
  readonly outcome: TenderOutcome;
  readonly reason: string;
}

export interface TenderEvidence {
  readonly format: typeof EVIDENCE_FORMAT;
  readonly criteria: TenderCriteria;
  /** Unix seconds the answers were evaluated at (expiry is judged at this time). */
  readonly evaluatedAtUnix: number;
  /** The signed checkpoint every proof is against. */
  readonly checkpoint: string;
  readonly rows: readonly EvidenceRow[];
  /** The VerifyLabels stream, as protobuf JSON messages. */
  readonly stream: readonly unknown[];
  /** Product lookups by "registration code\nmodel" as asked (LookupProductResponse JSON). */
  readonly products: Readonly<Record<string, unknown>>;
  /** Proofs that a product does not exist, by the same key (MapAbsence JSON). */
  readonly productAbsences: Readonly<Record<string, unknown>>;
}

/** What the registry answered, as the check collected it. */
export interface TenderAnswers {
  readonly stream: readonly VerifyLabelsResponse[];
  readonly products: ReadonlyMap<string, LookupProductResponse>;
  readonly productAbsences: ReadonlyMap<string, MapAbsence>;
}

export const productKeyOf = (registrationCode: string, model: string) => `${registrationCode}\n${model}`;

/** The answers as verdicts, and every row's outcome: the one computation both the check and the re-check run. */
export function answerRows(
  rows: readonly TenderRow[],
  answers: TenderAnswers,
  criteria: TenderCriteria,
  trust: ResolvedTrust,
  evaluatedAtUnix: number,
): { rows: EvidenceRow[]; checkpoint: string } {
  const t = memoizedTrust(trust);
  const compact = new CompactBundles();
  const verdicts = new Map<string, Verdict>();
  const absent = new Map<string, string>();
  const nowUnix = BigInt(evaluatedAtUnix);
  for (const m of answers.stream) {
    const r = compact.accept(m);
    if (r?.result?.$case === "label")
      verdicts.set(
        r.labelId,
        verifyLabelBundle(compact.expand(r.result.value.bundle!), t, { expectedLabelId: r.labelId, nowUnix }),
      );
    else if (r?.result?.$case === "error" && r.result.value.absence) {
      const a = verifyLabelAbsence(compact.expand(r.result.value.absence), t);
      if (a.absent && a.labelId === r.labelId)
        absent.set(r.labelId, `no label ${r.labelId} exists (proven, as of checkpoint ${a.asOf?.size ?? "?"})`);
      else verdicts.set(r.labelId, notVerifiable(r.labelId, reasonsText(a.reasons)));
    }
  }
  const forLabel = (labelId: string): TenderAnswer => {
    const no = absent.get(labelId);
    if (no !== undefined) return tenderAnswer(undefined, criteria, no);
    return tenderAnswer(
      verdicts.get(labelId) ?? notVerifiable(labelId, "the registry's answer for this label is missing or unproven"),
      criteria,
    );
  };
  const out = rows.map((row): EvidenceRow => {
    if ("labelId" in row)
      return { row: row.row, labelId: row.labelId, checkedLabelId: row.labelId, ...forLabel(row.labelId) };
    const base = { row: row.row, registrationCode: row.registrationCode, model: row.model };
    const key = productKeyOf(row.registrationCode, row.model);
    const p = answers.products.get(key);
    if (p) {
      const v = verifyProductValue(p, { registrationCode: row.registrationCode, productModel: row.model }, t);
      if (!v.verified || !v.product)
        return { ...base, ...tenderAnswer(notVerifiable("", reasonsText(v.reasons)), criteria) };
      if (v.product.liveLabelId === "")
        return {
          ...base,
          ...tenderAnswer(
            undefined,
            criteria,
            `the product has no live label (proven; its labels: ${v.product.labelIds.join(", ") || "none"})`,
          ),
        };
      return { ...base, checkedLabelId: v.product.liveLabelId, ...forLabel(v.product.liveLabelId) };
    }
    const a = answers.productAbsences.get(key);
    if (a) {
      const v = verifyMapAbsence(a, { kind: "product", id: productMapId(row.registrationCode, row.model) }, t);
      if (v.verified)
        return {
          ...base,
          ...tenderAnswer(
            undefined,
            criteria,
            `no such product exists (proven, as of checkpoint ${v.asOf?.size ?? "?"})`,
          ),
        };
      return { ...base, ...tenderAnswer(notVerifiable("", reasonsText(v.reasons)), criteria) };
    }
    return {
      ...base,
      ...tenderAnswer(notVerifiable("", "the registry's answer for this product is missing"), criteria),
    };
  });
  return { rows: out, checkpoint: compact.checkpoint };
}

function reasonsText(reasons: readonly { code: string; message: string }[]): string {
  return reasons.map((r) => `${r.code}: ${r.message}`).join("; ");
}

function notVerifiable(labelId: string, message: string): Verdict {
  return {
    labelId,
    status: "not-verifiable",
    valid: false,
    reasons: [{ code: "not-verifiable", message }],
    asOf: undefined,
    cosignedBy: [],
    evaluatedAtUnix: 0,
    label: undefined,
    consistentWith: undefined,
    completeAsOf: undefined,
    doesNotProve: [],
  };
}

/** The evidence as its one canonical text. */
export function encodeEvidence(
  criteria: TenderCriteria,
  evaluatedAtUnix: number,
  checkpoint: string,
  rows: readonly EvidenceRow[],
  answers: TenderAnswers,
): string {
  const evidence: TenderEvidence = {
    format: EVIDENCE_FORMAT,
    criteria:
      criteria.categoryId === undefined ? { minTier: criteria.minTier, validThrough: criteria.validThrough } : criteria,
    evaluatedAtUnix,
    checkpoint,
    rows,
    stream: provenStream(answers.stream).map((m) => VerifyLabelsResponse.toJSON(m)),
    products: Object.fromEntries(
      [...answers.products].map(([k, v]) => [
        k,
        // Only the product's own value and its proof: the listed labels' states are not what a
        // product row is answered from (its live label's bundle is, in the stream).
        LookupProductResponse.toJSON(
          LookupProductResponse.fromPartial({
            checkpoint: v.checkpoint,
            commitment: v.commitment,
            mapProof: v.mapProof,
          }),
        ),
      ]),
    ),
    productAbsences: Object.fromEntries([...answers.productAbsences].map(([k, v]) => [k, MapAbsence.toJSON(v)])),
  };
  return canonical(evidence);
}

/**
 * The stream as the evidence keeps it: only what the answers rest on, so that no byte of the file
 * is free to change. A result's state summary is dropped (the state is recomputed from the
 * bundle's entries), and so is a refusal's text (an unknown id's answer is its proof of absence).
 */
function provenStream(stream: readonly VerifyLabelsResponse[]): VerifyLabelsResponse[] {
  return stream.map((m): VerifyLabelsResponse => {
    if (m.message?.$case !== "result") return m;
    const { labelId, result } = m.message.value;
    const kept: LabelResult["result"] =
      result?.$case === "label"
        ? { $case: "label", value: { label: undefined, bundle: result.value.bundle } }
        : result?.$case === "error"
          ? { $case: "error", value: { code: 0, rule: "", message: "", absence: result.value.absence } }
          : undefined;
    return { message: { $case: "result", value: { labelId, result: kept } } };
  });
}

function canonical(value: unknown): string {
  return `${JSON.stringify(value, null, 1)}\n`;
}

export interface EvidenceCheck {
  readonly ok: boolean;
  /** What does not hold, each naming the row or the part. */
  readonly problems: readonly string[];
  readonly rows: readonly EvidenceRow[];
  readonly checkpoint: string;
  readonly criteria: TenderCriteria | undefined;
  readonly evaluatedAtUnix: number;
}

/** Largest evidence file read. */
export const MAX_EVIDENCE_BYTES = 512 << 20;

/**
 * Re-checks evidence offline: canonical form, every proof against the keys in `trust`, and every
 * row's outcome recomputed from its proofs. Never throws on bad input.
 */
export function verifyEvidence(text: string, trust: ResolvedTrust): EvidenceCheck {
  const fail = (problem: string): EvidenceCheck => ({
    ok: false,
    problems: [problem],
    rows: [],
    checkpoint: "",
    criteria: undefined,
    evaluatedAtUnix: 0,
  });
  if (text.length > MAX_EVIDENCE_BYTES) return fail(`the evidence is over ${MAX_EVIDENCE_BYTES} bytes`);
  let e: TenderEvidence;
  try {
    e = JSON.parse(text) as TenderEvidence;
  } catch {
    return fail("the evidence is not JSON");
  }
  if (typeof e !== "object" || e === null || e.format !== EVIDENCE_FORMAT)
    return fail(`the evidence is not ${EVIDENCE_FORMAT}`);
  if (canonical(e) !== text) return fail("the evidence is not in its canonical form (it was edited)");
  try {
    checkCriteria(e.criteria);
    if (!Array.isArray(e.rows) || !Array.isArray(e.stream)) throw new Error("rows and stream must be lists");
    if (!Number.isSafeInteger(e.evaluatedAtUnix)) throw new Error("evaluatedAtUnix must be a whole number");
    const rows: TenderRow[] = e.rows.map((r, i) => {
      if (r.row !== i + 1)
        throw new Error(`row ${i + 1} is numbered ${JSON.stringify(r.row)}: rows are 1, 2, 3… in order`);
      if (typeof r.labelId === "string") return { row: r.row, labelId: r.labelId };
      if (typeof r.registrationCode === "string" && typeof r.model === "string")
        return { row: r.row, registrationCode: r.registrationCode, model: r.model };
      throw new Error(`row ${r.row} names neither a label id nor a product`);
    });
    const answers: TenderAnswers = {
      stream: e.stream.map((m) => VerifyLabelsResponse.fromJSON(m)),
      products: new Map(Object.entries(e.products ?? {}).map(([k, v]) => [k, LookupProductResponse.fromJSON(v)])),
      productAbsences: new Map(Object.entries(e.productAbsences ?? {}).map(([k, v]) => [k, MapAbsence.fromJSON(v)])),
    };
    const again = answerRows(rows, answers, e.criteria, trust, e.evaluatedAtUnix);
    const problems: string[] = [];
    if (again.checkpoint !== e.checkpoint) problems.push("the stream's checkpoint is not the evidence's");
    again.rows.forEach((r, i) => {
      const said = e.rows[i]!;
      if (!TENDER_OUTCOMES.includes(said.outcome))
        problems.push(`row ${r.row}: unknown outcome ${String(said.outcome)}`);
      else if (said.outcome !== r.outcome || said.reason !== r.reason || said.checkedLabelId !== r.checkedLabelId)
        problems.push(`row ${r.row}: the evidence says ${said.outcome}, its proofs say ${r.outcome} (${r.reason})`);
    });
    for (const r of again.rows) if (r.outcome === "not-verifiable") problems.push(`row ${r.row}: ${r.reason}`);
    // Whatever the proofs do not cover (an unknown field, a state summary, a refusal's text) is
    // not in the file as written: re-encoding what was read must give back every byte.
    if (
      problems.length === 0 &&
      encodeEvidence(e.criteria, e.evaluatedAtUnix, e.checkpoint, again.rows, answers) !== text
    )
      problems.push("the evidence holds data its proofs do not cover, or is not in its canonical form");
    return {
      ok: problems.length === 0,
      problems,
      rows: again.rows,
      checkpoint: e.checkpoint,
      criteria: e.criteria,
      evaluatedAtUnix: e.evaluatedAtUnix,
    };
  } catch (err) {
    return fail(`the evidence is malformed: ${err instanceof Error ? err.message : String(err)}`);
  }
}
