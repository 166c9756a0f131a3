// `labelreg verify --at DATE [--min-tier N]`: one label at a point in time, answered from its
// complete history (services/verify/point-in-time.ts). The answer is the exit code: 0 yes, 1 no,
// 3 not verifiable (nothing may be concluded); the output says the state then and why.
import type { LabelBundle } from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { verifyLabelAbsence } from "../../services/verify/completeness.js";
import { labelAt, type PointInTime } from "../../services/verify/point-in-time.js";
import type { ResolvedTrust } from "../../services/verify/trust.js";

export const EXIT_YES = 0;
export const EXIT_NO = 1;
/** As the write commands' receipt that does not verify: the registry's answer proves nothing. */
export const EXIT_UNVERIFIABLE = 3;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * The instant --at names, in Unix seconds: a date (YYYY-MM-DD, the start of that day in UTC), a
 * date and time with its offset (2026-09-01T08:00+08:00, or Z), or Unix seconds. Throws a usage
 * error for anything else, or a day that does not exist.
 */
export function parseAtDate(text: string): bigint {
  const t = text.trim();
  if (/^\d{1,12}$/.test(t)) return BigInt(t);
  let ms: number;
  const d = ISO_DATE.exec(t);
  if (d) {
    ms = Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3]));
    if (new Date(ms).toISOString().slice(0, 10) !== t) ms = Number.NaN;
  } else ms = ISO_TIME.test(t) ? Date.parse(t) : Number.NaN;
  if (Number.isNaN(ms) || ms < 0)
    throw new Error(
      `--at ${JSON.stringify(t.slice(0, 40))}: give a date (2026-09-01, the start of that day in UTC), a date and time with its offset (2026-09-01T08:00+08:00), or Unix seconds`,
    );
  return BigInt(Math.floor(ms / 1000));
}

/** --min-tier: 1, 2 or 3 stars. */
export function parseMinTier(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[123]$/.test(text.trim()))
    throw new Error(`--min-tier must be 1, 2 or 3 (stars), not ${JSON.stringify(text.slice(0, 20))}`);
  return Number(text.trim());
}

const iso = (unix: number) => new Date(unix * 1000).toISOString().replace(".000Z", "Z");
const day = (unix: number) => iso(unix).slice(0, 10);

/** What the answer says, for people. */
export function describeAt(p: PointInTime): string {
  const asked =
    p.minTier === undefined ? "valid" : `valid with at least ${p.minTier} star${p.minTier === 1 ? "" : "s"}`;
  const head = `${p.labelId} at ${iso(p.atUnix)}: ${p.answer === "unverifiable" ? "NOT VERIFIABLE" : p.answer.toUpperCase()} (${asked}?)`;
  const lines = [head];
  const s = p.stateAt;
  if (s && s.status !== "not-issued") {
    lines.push(
      `    then: ${s.status}, ${"★".repeat(s.tier)} tier ${s.tier}, valid ${day(s.validFromUnix)} to ${day(s.validUntilUnix)}; ` +
        `${s.version} entr${s.version === 1 ? "y" : "ies"} by then, the last ${s.lastEntry!.kind} (entry ${s.lastEntry!.index}, ${iso(s.lastEntry!.sequencedAtUnix)})`,
    );
  }
  for (const r of p.reasons) lines.push(`    ${r.code}: ${r.message}`);
  const v = p.verdict;
  if (p.answer !== "unverifiable" && v.asOf && v.label) {
    lines.push(
      p.complete
        ? `    from the label's complete history as of checkpoint ${v.asOf.origin} size ${v.asOf.size} (${iso(v.completeAsOf!.sequencedAtUnix)})`
        : `    from the history the registry sent, as of checkpoint ${v.asOf.origin} size ${v.asOf.size}: NOT proven complete (--allow-incomplete), so a suspension or revocation may be missing`,
    );
  }
  if (p.afterCheckpoint)
    lines.push(
      "    the time asked about is after that checkpoint: an entry sequenced since then is not in this answer (ask the registry again)",
    );
  return lines.join("\n");
}

/** Prints the answer (JSON or human) and returns the exit code. */
export function reportAt(p: PointInTime, json: boolean): number {
  console.log(json ? JSON.stringify(p, null, 2) : describeAt(p));
  return p.answer === "yes" ? EXIT_YES : p.answer === "no" ? EXIT_NO : EXIT_UNVERIFIABLE;
}

export interface AtQuestion {
  readonly atUnix: bigint;
  readonly minTier: number | undefined;
  readonly allowIncomplete: boolean;
}

/** Answers for a bundle (a file, or GetLabel's). */
export function answerAt(
  bundle: LabelBundle,
  trust: ResolvedTrust,
  q: AtQuestion,
  expectedLabelId?: string,
): PointInTime {
  return labelAt(bundle, trust, {
    atUnix: q.atUnix,
    ...(q.minTier === undefined ? {} : { minTier: q.minTier }),
    allowIncomplete: q.allowIncomplete,
    ...(expectedLabelId === undefined ? {} : { expectedLabelId }),
  });
}

/**
 * Answers for a label the registry says does not exist: "no" only when its proof of absence
 * verifies (then no such label existed at any time up to the checkpoint, as labels are never
 * deleted); otherwise not verifiable.
 */
export function answerAbsentAt(
  labelId: string,
  absence: LabelBundle | undefined,
  trust: ResolvedTrust,
  q: AtQuestion,
): PointInTime {
  const a = absence ? verifyLabelAbsence({ ...absence, labelId }, trust) : undefined;
  const now = Math.floor(Date.now() / 1000);
  const proven = a?.absent === true;
  const reasons = proven
    ? [
        {
          code: "no-such-label",
          message: `the registry holds no label ${labelId} as of checkpoint ${a.asOf!.origin} size ${a.asOf!.size} (proof of absence verified)`,
        },
      ]
    : (a?.reasons ?? [
        { code: "label-not-found", message: "the registry says there is no such label, without a proof of absence" },
      ]);
  return {
    labelId,
    atUnix: Number(q.atUnix),
    minTier: q.minTier,
    answer: proven ? "no" : "unverifiable",
    stateAt: proven
      ? { status: "not-issued", tier: 0, validFromUnix: 0, validUntilUnix: 0, version: 0, lastEntry: undefined }
      : undefined,
    reasons,
    complete: proven,
    afterCheckpoint: proven && q.atUnix > BigInt(a.completeAsOf!.sequencedAtUnix),
    verdict: {
      labelId,
      status: "not-verifiable",
      valid: false,
      reasons,
      asOf: a?.asOf,
      cosignedBy: [],
      evaluatedAtUnix: now,
      label: undefined,
      consistentWith: undefined,
      completeAsOf: a?.completeAsOf,
      doesNotProve: [],
    },
  };
}
