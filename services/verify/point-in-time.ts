// Point-in-time questions ("was label X valid, at least 2 stars, on 1 September?") answered from
// a label's history: the bundle is verified as usual (its history proven complete by the state
// map), then the entries sequenced up to that time are replayed, and the label's state then is
// read off. An entry takes effect at the time the log sequenced it: that time is what the log
// signs, and what an auditor can hold the operator to; a statement's own signing time is not.
//
// Without a completeness proof the replay could miss a suspension or a revocation, so such a
// bundle is refused unless the caller accepts an incomplete history (allowIncomplete).
// Portable, as the rest of services/verify: a browser page can answer the same question.
import type { LabelBundle } from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { labelStatusAt } from "../domain/state.js";
import { VERDICT_STATUS, verifyLabelHistory, type VerifyOptions } from "./bundle.js";
import { replayEntries } from "./replay.js";
import { resolveTrust, type ResolvedTrust, type TrustConfig } from "./trust.js";
import type { Verdict, VerdictReason, VerdictStatus } from "./verdict.js";

/** yes: the label was valid then (and of at least the tier asked for); no: it was not; unverifiable: see reasons. */
export type PointInTimeAnswer = "yes" | "no" | "unverifiable";

/** The label's state at the time asked about: "not-issued" when no entry about it had been sequenced yet. */
export interface LabelStateAt {
  readonly status: Exclude<VerdictStatus, "not-verifiable"> | "not-issued";
  /** 0 when not issued. */
  readonly tier: number;
  readonly validFromUnix: number;
  readonly validUntilUnix: number;
  /** How many of the label's entries had been sequenced by then. */
  readonly version: number;
  /** The last of those entries (its log index, kind, sequencing time). */
  readonly lastEntry: { readonly index: number; readonly kind: string; readonly sequencedAtUnix: number } | undefined;
}

export interface PointInTime {
  readonly labelId: string;
  readonly atUnix: number;
  readonly minTier: number | undefined;
  readonly answer: PointInTimeAnswer;
  /** Undefined when unverifiable. */
  readonly stateAt: LabelStateAt | undefined;
  /** Why the answer is no, or why it could not be given; empty for yes. */
  readonly reasons: readonly VerdictReason[];
  /** The history was proven complete as of the bundle's checkpoint (by the state map). */
  readonly complete: boolean;
  /**
   * The time asked about is after the checkpoint's commitment: the answer holds as of the
   * checkpoint, and an entry sequenced between the two (a revocation) would not be in it.
   */
  readonly afterCheckpoint: boolean;
  /** The bundle's verdict now (or at opts.nowUnix), with what it does not prove. */
  readonly verdict: Verdict;
}

export interface PointInTimeOptions extends Omit<VerifyOptions, "nowUnix"> {
  /** The time asked about (Unix seconds). */
  readonly atUnix: bigint;
  /** The question is "at least this tier" (1 to 3); without it, "valid at all". */
  readonly minTier?: number;
  /** When the bundle's current verdict is evaluated; default now. */
  readonly nowUnix?: bigint;
}

const iso = (unix: number): string => new Date(unix * 1000).toISOString().replace(".000Z", "Z");

/** Verifies the bundle and answers whether its label was valid (and of at least minTier) at atUnix. Never throws for any bundle. */
export function labelAt(
  bundle: LabelBundle,
  trust: TrustConfig | ResolvedTrust,
  opts: PointInTimeOptions,
): PointInTime {
  const t = "domain" in trust ? trust : resolveTrust(trust);
  const { atUnix, minTier, ...verifyOpts } = opts;
  const { verdict, entries } = verifyLabelHistory(bundle, t, verifyOpts);
  const base = { labelId: verdict.labelId, atUnix: Number(atUnix), minTier, verdict };
  const unverifiable = (reasons: readonly VerdictReason[]): PointInTime => ({
    ...base,
    answer: "unverifiable",
    stateAt: undefined,
    reasons,
    complete: false,
    afterCheckpoint: false,
  });
  if (verdict.status === "not-verifiable") return unverifiable(verdict.reasons);
  const complete = verdict.completeAsOf !== undefined;
  const afterCheckpoint = complete && atUnix > BigInt(verdict.completeAsOf!.sequencedAtUnix);

  // Sequencing times never go back along the log (the replay checked it), so this is a prefix.
  const then = entries.filter((e) => e.decoded.sequencedAtUnix <= atUnix);
  const replayed = replayEntries(then, t.domain);
  // A prefix of a history that replayed is one that replays; anything else is a verifier bug.
  if ("code" in replayed) return unverifiable([replayed]);
  const record = replayed.state.labels.get(verdict.labelId);
  const at = iso(Number(atUnix));
  const common = { ...base, complete, afterCheckpoint };
  if (!record) {
    const issued = verdict.label?.history[0];
    return {
      ...common,
      answer: "no",
      stateAt: {
        status: "not-issued",
        tier: 0,
        validFromUnix: 0,
        validUntilUnix: 0,
        version: 0,
        lastEntry: undefined,
      },
      reasons: [
        {
          code: "not-issued",
          message: `label ${verdict.labelId} did not exist yet at ${at}${issued ? ` (issued at ${iso(issued.sequencedAtUnix)}, entry ${issued.index})` : ""}`,
        },
      ],
    };
  }
  const status = VERDICT_STATUS[labelStatusAt(record, atUnix)];
  const last = record.history[record.history.length - 1]!;
  const stateAt: LabelStateAt = {
    status,
    tier: record.tier,
    validFromUnix: Number(record.validFromUnix),
    validUntilUnix: Number(record.validUntilUnix),
    version: Number(record.version),
    lastEntry: {
      index: replayed.logIndex[last.index]!,
      kind: last.kind,
      sequencedAtUnix: Number(last.sequencedAtUnix),
    },
  };
  const reasons: VerdictReason[] = [];
  if (status !== "valid") {
    reasons.push({
      code: status,
      message: `label ${verdict.labelId} was ${status} at ${at} (its last entry by then: ${last.kind}, entry ${stateAt.lastEntry!.index})`,
    });
  }
  if (minTier !== undefined && record.tier < minTier) {
    reasons.push({
      code: "tier-below",
      message: `label ${verdict.labelId} was tier ${record.tier} at ${at}, below the tier ${minTier} asked for`,
    });
  }
  return { ...common, answer: reasons.length === 0 ? "yes" : "no", stateAt, reasons };
}
