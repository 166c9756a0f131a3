// A tender's question about one product or label, answered from a verified verdict: does it hold
// a label of at least the required tier, valid through the required date, in the required
// category? The outcome is a pure function of the verdict and the criteria, so anyone holding the
// evidence (services/verify, any runtime) computes the same answer years later.
import type { Verdict } from "./verdict.js";

export type TenderOutcome =
  | "meets"
  | "below-tier"
  | "expires-before"
  | "not-yet-valid"
  | "wrong-category"
  | "suspended"
  | "revoked"
  | "no-label"
  | "not-verifiable";

export const TENDER_OUTCOMES: readonly TenderOutcome[] = [
  "meets",
  "below-tier",
  "expires-before",
  "not-yet-valid",
  "wrong-category",
  "suspended",
  "revoked",
  "no-label",
  "not-verifiable",
];

export interface TenderCriteria {
  /** 1..3 stars. */
  readonly minTier: number;
  /** The last day (UTC, YYYY-MM-DD) the label must still be valid on. */
  readonly validThrough: string;
  /** The catalogue category the product must be labelled in, if the tender names one. */
  readonly categoryId?: string | undefined;
}

export interface TenderAnswer {
  readonly outcome: TenderOutcome;
  readonly reason: string;
}

const DAY = 86_400;

/** The first second after `validThrough` (YYYY-MM-DD, UTC); throws on any other text. */
export function endOfDayUnix(validThrough: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(validThrough);
  const t = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / 1000 : Number.NaN;
  if (!m || !Number.isFinite(t) || new Date(t * 1000).toISOString().slice(0, 10) !== validThrough)
    throw new RangeError(`valid-through must be a date YYYY-MM-DD, not ${JSON.stringify(validThrough.slice(0, 40))}`);
  return t + DAY;
}

/** Checks criteria as a tender states them; throws RangeError naming the field. */
export function checkCriteria(c: TenderCriteria): void {
  if (!Number.isInteger(c.minTier) || c.minTier < 1 || c.minTier > 3)
    throw new RangeError(`min-tier must be 1, 2 or 3, not ${String(c.minTier)}`);
  endOfDayUnix(c.validThrough);
}

/**
 * The answer for one row. `verdict` is the label's verified verdict, or undefined when the row has
 * no label (proven absent, or a product without a live label): `noLabelReason` says which.
 */
export function tenderAnswer(
  verdict: Verdict | undefined,
  criteria: TenderCriteria,
  noLabelReason = "no such label",
): TenderAnswer {
  if (!verdict) return { outcome: "no-label", reason: noLabelReason };
  const l = verdict.label;
  if (verdict.status === "not-verifiable" || !l)
    return {
      outcome: "not-verifiable",
      reason: verdict.reasons.map((r) => `${r.code}: ${r.message}`).join("; ") || "the proofs do not verify",
    };
  if (verdict.status === "revoked") return { outcome: "revoked", reason: `label ${l.labelId} is revoked` };
  if (verdict.status === "suspended") return { outcome: "suspended", reason: `label ${l.labelId} is suspended` };
  if (verdict.status === "expired")
    return { outcome: "expires-before", reason: `label ${l.labelId} expired on ${day(l.validUntilUnix)}` };
  if (verdict.status === "not-yet-valid")
    return { outcome: "not-yet-valid", reason: `label ${l.labelId} is valid only from ${day(l.validFromUnix)}` };
  if (criteria.categoryId !== undefined && l.categoryId !== criteria.categoryId)
    return {
      outcome: "wrong-category",
      reason: `label ${l.labelId} is in category ${l.categoryId}, not ${criteria.categoryId}`,
    };
  if (l.tier < criteria.minTier)
    return { outcome: "below-tier", reason: `label ${l.labelId} is tier ${l.tier}, below ${criteria.minTier}` };
  if (l.validUntilUnix < endOfDayUnix(criteria.validThrough))
    return {
      outcome: "expires-before",
      reason: `label ${l.labelId} is valid until ${day(l.validUntilUnix)}, before the end of ${criteria.validThrough}`,
    };
  return {
    outcome: "meets",
    reason: `label ${l.labelId}: tier ${l.tier}, valid until ${day(l.validUntilUnix)}`,
  };
}

function day(unix: number): string {
  return new Date(unix * 1000).toISOString().slice(0, 10);
}
