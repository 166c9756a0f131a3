// A tender check as the gateway runs it: the list's CSV and the tender's criteria in, the canonical
// evidence (what `labelreg verify --evidence` re-checks) and the printable report out. The answers
// are collected through the read API, so the standalone gateway checks exactly as the registry's
// own; they are verified here under the gateway's pinned keys before any outcome is stated.
import { CsvError } from "../../services/csv/csv.js";
import { MapAbsence } from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import {
  collectTenderAnswers,
  TenderListError,
  tenderRows,
  type TenderReads,
} from "../../services/verify/tender-collect.js";
import { answerRows, encodeEvidence, type EvidenceRow } from "../../services/verify/tender-evidence.js";
import { checkCriteria, type TenderCriteria } from "../../services/verify/tender.js";
import type { ResolvedTrust } from "../../services/verify/trust.js";
import type { ReadApi } from "../api/read-api.js";
import { ApiRequestError } from "../api/status.js";
import { RegistryError } from "../../services/sequencer/errors.js";
import { type ReportLinks, tenderReportHtml } from "../page/tender-report.js";

/** Rows in one list checked over HTTP: an answer in seconds, and an evidence file a browser can hold. */
export const MAX_GATEWAY_TENDER_ROWS = 10_000;
/** Product lookups and absence proofs asked at once. */
const CONCURRENCY = 16;
/**
 * Checks one gateway runs at once. A long list costs seconds of the registry's and the gateway's
 * CPU (every answer is verified), so a burst of uploads must not starve the label pages.
 */
export const DEFAULT_TENDER_CHECKS_AT_ONCE = 2;
const MAX_CATEGORY_CHARS = 128;

export interface TenderResult {
  readonly criteria: TenderCriteria;
  readonly evaluatedAtUnix: number;
  readonly checkpoint: string;
  readonly rows: readonly EvidenceRow[];
  /** The canonical evidence file. */
  readonly evidence: string;
}

/**
 * The criteria as a request states them (query parameters or form fields). Throws ApiRequestError
 * (rule bad-criteria) naming the field.
 */
export function tenderCriteria(get: (name: string) => string | null | undefined): TenderCriteria {
  const bad = (message: string) => new ApiRequestError("bad-criteria", message);
  const tier = (get("minTier") ?? "").trim();
  if (!/^[1-3]$/.test(tier)) throw bad(`minTier must be 1, 2 or 3, not ${JSON.stringify(tier.slice(0, 20))}`);
  const validThrough = (get("validThrough") ?? "").trim();
  const category = (get("category") ?? "").trim();
  if (category.length > MAX_CATEGORY_CHARS) throw bad(`category must be at most ${MAX_CATEGORY_CHARS} characters`);
  const criteria: TenderCriteria = {
    minTier: Number(tier),
    validThrough,
    ...(category !== "" ? { categoryId: category } : {}),
  };
  try {
    checkCriteria(criteria);
  } catch (e) {
    throw bad(`validThrough: ${e instanceof Error ? e.message : String(e)}`);
  }
  return criteria;
}

/** The check's reads through the gateway's read API: an unknown product is an answer (its proof of absence), not a failure. */
export function readApiTenderReads(reads: ReadApi): TenderReads {
  return {
    async lookupProduct(registrationCode, model) {
      try {
        return { product: await reads.lookupProduct(registrationCode, model) };
      } catch (e) {
        const { code, mapAbsence } = e as { code?: unknown; mapAbsence?: unknown };
        if (code === "NOT_FOUND" && mapAbsence instanceof Uint8Array) return { absence: MapAbsence.decode(mapAbsence) };
        if (code === "NOT_FOUND" || code === "INVALID_ARGUMENT") return undefined;
        throw e;
      }
    },
    verifyLabels: (labelIds) => reads.verifyLabels(labelIds, true),
  };
}

export class TenderCheck {
  private running = 0;

  constructor(
    private readonly reads: ReadApi,
    /** The gateway's pinned keys: every answer is verified under them. */
    readonly trust: ResolvedTrust,
    private readonly now: () => Date = () => new Date(),
    private readonly maxRunning = DEFAULT_TENDER_CHECKS_AT_ONCE,
  ) {}

  /**
   * Checks the list. Bad input throws ApiRequestError (rules bad-encoding, bad-csv, too-many-rows);
   * the registry's refusals and outages reject with its read errors. While maxRunning checks
   * run, another is refused at once with RESOURCE_EXHAUSTED, rule tender-busy (HTTP 429).
   */
  async run(body: Uint8Array, criteria: TenderCriteria): Promise<TenderResult> {
    if (this.running >= this.maxRunning)
      throw new RegistryError(
        "RESOURCE_EXHAUSTED",
        "tender-busy",
        `tender-busy: ${this.maxRunning} tender checks are running on this gateway; retry in a few seconds`,
      );
    this.running++;
    try {
      return await this.runChecked(body, criteria);
    } finally {
      this.running--;
    }
  }

  private async runChecked(body: Uint8Array, criteria: TenderCriteria): Promise<TenderResult> {
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(body);
    } catch {
      throw new ApiRequestError("bad-encoding", "the list must be UTF-8 text");
    }
    let rows;
    try {
      rows = tenderRows(text, MAX_GATEWAY_TENDER_ROWS);
    } catch (e) {
      if (e instanceof CsvError) throw new ApiRequestError("bad-csv", `the CSV is malformed: ${e.message}`);
      if (e instanceof TenderListError) throw new ApiRequestError(e.rule, e.message);
      throw e;
    }
    const answers = await collectTenderAnswers(readApiTenderReads(this.reads), rows, CONCURRENCY);
    const evaluatedAtUnix = Math.floor(this.now().getTime() / 1000);
    const answered = answerRows(rows, answers, criteria, this.trust, evaluatedAtUnix);
    return {
      criteria,
      evaluatedAtUnix,
      checkpoint: answered.checkpoint,
      rows: answered.rows,
      evidence: encodeEvidence(criteria, evaluatedAtUnix, answered.checkpoint, answered.rows, answers),
    };
  }

  /** The printable report of a result, with `links` (the evidence download, another check) above it. */
  report(r: TenderResult, links?: ReportLinks): string {
    return tenderReportHtml({
      criteria: r.criteria,
      evaluatedAtUnix: r.evaluatedAtUnix,
      checkpoint: r.checkpoint,
      log: this.trust.log,
      rows: r.rows,
      ...(links ? { links } : {}),
    });
  }
}
