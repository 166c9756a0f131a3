// The registry's statistics as a fold over the log's entries, in log order, beside the projected
// state (services/domain): the registry keeps one up to date as it applies entries
// (services/readmodel/log-view.ts) and the auditor recomputes one from the tiles
// (`labelreg audit --stats`), so both give the same figures for the same checkpoint.
//
// "Active" is read at the sequencing time of the last entry folded (as_of), never at a clock: a
// label counts when labelStatusAt(label, as_of) is ACTIVE. As as_of only moves forward, labels
// that start or end their validity in between are found in a queue of those times, so each
// entry costs O(log labels) and a snapshot does not scan the labels.
import { parseSignedNote } from "../../log/note.js";
import { splitCosignature } from "../../log/cosignature.js";
import {
  IssuerStatus,
  type CategoryCount,
  type CheckpointCosignature,
  type IssuerStats,
  type RegistryStats,
  type WeekCount,
} from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { apply, type SequencedStatement } from "../domain/apply.js";
import { isCommitment, type CommitmentEntry } from "../domain/decode.js";
import { labelStatusAt, type LabelRecord, type RegistryState } from "../domain/state.js";
import { TimeQueue } from "./time-queue.js";
import { isoWeekName, weekStartDay, weeksBetween } from "./week.js";

export type FoldedEntry = SequencedStatement | CommitmentEntry;

interface EventCounts {
  issued: number;
  suspended: number;
  revoked: number;
}

const ISSUER_STATUS = {
  ACTIVE: IssuerStatus.ISSUER_STATUS_ACTIVE,
  SUSPENDED: IssuerStatus.ISSUER_STATUS_SUSPENDED,
  WITHDRAWN: IssuerStatus.ISSUER_STATUS_WITHDRAWN,
} as const;

const TIERS = [1, 2, 3] as const;

function isActive(r: LabelRecord | undefined, at: bigint): boolean {
  return r !== undefined && labelStatusAt(r, at) === "ACTIVE";
}

function zero(): EventCounts {
  return { issued: 0, suspended: 0, revoked: 0 };
}

export class StatsFold {
  private statements = 0;
  private commitments = 0;
  private labels = 0;
  /** The time "active" is read at: the latest sequencing time folded. */
  private asOf = 0n;
  /** Active labels by `${tier}\n${issuerId}\n${categoryId}`. */
  private readonly active = new Map<string, number>();
  /** Label events by the day number of their week's Monday. */
  private readonly weeks = new Map<number, EventCounts>();
  private firstEventWeek: number | undefined;
  private readonly byIssuer = new Map<string, EventCounts>();
  /** Times at which a label's validity starts or ends, still ahead of asOf. */
  private readonly boundaries = new TimeQueue();

  /**
   * Applies `entry` (log index `index`) to `state` with the domain's apply(), and folds it.
   * Precondition: as apply()'s (check() accepted it); `state` is the state this fold has followed.
   */
  apply(state: RegistryState, entry: FoldedEntry, index: number): void {
    this.advanceTo(state, entry.sequencedAtUnix);
    const labelId = !isCommitment(entry) && entry.statement.kind?.$case.startsWith("label") && entry.statement.labelId;
    const prior = labelId ? state.labels.get(labelId) : undefined;
    apply(state, entry, index);
    if (isCommitment(entry)) {
      this.commitments++;
      return;
    }
    this.statements++;
    if (!labelId) return;
    const next = state.labels.get(labelId)!;
    this.count(prior, -1);
    this.count(next, 1);
    if (!prior) {
      this.labels++;
      this.boundaries.push(Number(next.validFromUnix), labelId, Number(this.asOf));
    }
    if (prior?.validUntilUnix !== next.validUntilUnix)
      this.boundaries.push(Number(next.validUntilUnix), labelId, Number(this.asOf));
    const kind = entry.statement.kind!.$case;
    const field =
      kind === "labelIssued"
        ? "issued"
        : kind === "labelSuspended"
          ? "suspended"
          : kind === "labelRevoked"
            ? "revoked"
            : undefined;
    if (!field) return;
    const week = weekStartDay(Number(entry.sequencedAtUnix));
    this.firstEventWeek ??= week;
    let w = this.weeks.get(week);
    if (!w) this.weeks.set(week, (w = zero()));
    w[field]++;
    let i = this.byIssuer.get(next.issuerId);
    if (!i) this.byIssuer.set(next.issuerId, (i = zero()));
    i[field]++;
  }

  /** Adds `sign` for the label if it is active at asOf. */
  private count(r: LabelRecord | undefined, sign: 1 | -1): void {
    if (!r || !isActive(r, this.asOf)) return;
    const key = `${r.tier}\n${r.issuerId}\n${r.categoryId}`;
    const n = (this.active.get(key) ?? 0) + sign;
    if (n === 0) this.active.delete(key);
    else this.active.set(key, n);
  }

  /** Moves asOf to `t` (if later), counting the labels whose validity starts or ends meanwhile. */
  private advanceTo(state: RegistryState, t: bigint): void {
    if (t <= this.asOf) return;
    for (;;) {
      const due = this.boundaries.popUntil(Number(t));
      if (!due) break;
      const r = state.labels.get(due.id);
      // A renewal moved the end: the older time is no longer a boundary of this label.
      if (!r || (BigInt(due.time) !== r.validFromUnix && BigInt(due.time) !== r.validUntilUnix)) continue;
      const at = BigInt(due.time);
      const before = isActive(r, at - 1n);
      const after = isActive(r, at);
      if (before === after) continue;
      this.asOf = at - 1n;
      this.count(r, -1);
      this.asOf = at;
      this.count(r, 1);
    }
    this.asOf = t;
  }

  /**
   * The figures after the entries folded so far, with the cosignatures of `checkpointNote` (the
   * signed checkpoint of size state.size; "" for none). Issuer and category names and statuses
   * are read from `state`, the state this fold has followed.
   */
  snapshot(state: RegistryState, checkpointNote: string): RegistryStats {
    const byTier = new Map<number, number>();
    const byCategory = new Map<string, number>();
    const byIssuerActive = new Map<string, number>();
    for (const [key, n] of this.active) {
      const [tier, issuerId, categoryId] = key.split("\n") as [string, string, string];
      byTier.set(Number(tier), (byTier.get(Number(tier)) ?? 0) + n);
      byCategory.set(categoryId, (byCategory.get(categoryId) ?? 0) + n);
      byIssuerActive.set(issuerId, (byIssuerActive.get(issuerId) ?? 0) + n);
    }
    const categories: CategoryCount[] = [...state.categories.values()]
      .sort((a, b) => a.index - b.index)
      .map((c) => ({
        categoryId: c.categoryId,
        name: c.name,
        nameEn: c.nameEn,
        nameZh: c.nameZh,
        labels: BigInt(byCategory.get(c.categoryId) ?? 0),
      }));
    const issuers: IssuerStats[] = [...state.issuers.values()]
      .sort((a, b) => (a.issuerId < b.issuerId ? -1 : a.issuerId > b.issuerId ? 1 : 0))
      .map((r) => {
        const c = this.byIssuer.get(r.issuerId) ?? zero();
        return {
          issuerId: r.issuerId,
          name: r.name,
          nameEn: r.nameEn,
          nameZh: r.nameZh,
          status: ISSUER_STATUS[r.status],
          issued: BigInt(c.issued),
          suspended: BigInt(c.suspended),
          revoked: BigInt(c.revoked),
          active: BigInt(byIssuerActive.get(r.issuerId) ?? 0),
        };
      });
    const weeks: WeekCount[] =
      this.firstEventWeek === undefined
        ? []
        : weeksBetween(this.firstEventWeek * 86_400, Number(this.asOf)).map((monday) => {
            const c = this.weeks.get(monday) ?? zero();
            return {
              week: isoWeekName(monday),
              issued: BigInt(c.issued),
              suspended: BigInt(c.suspended),
              revoked: BigInt(c.revoked),
            };
          });
    return {
      treeSize: BigInt(state.size),
      asOfUnix: this.asOf,
      statements: BigInt(this.statements),
      commitments: BigInt(this.commitments),
      labels: BigInt(this.labels),
      activeByTier: TIERS.map((tier) => ({ tier, labels: BigInt(byTier.get(tier) ?? 0) })),
      activeByCategory: categories,
      weeks,
      issuers,
      cosignatures: cosignaturesOf(checkpointNote),
    };
  }
}

/** The signatures on a checkpoint other than the log's own (whose key name is the origin line). */
export function cosignaturesOf(note: string): CheckpointCosignature[] {
  if (note === "") return [];
  const parsed = parseSignedNote(note);
  const origin = parsed.text.slice(0, parsed.text.indexOf("\n"));
  return parsed.signatures
    .filter((s) => s.name !== origin)
    .map((s) => ({ name: s.name, timestampUnix: splitCosignature(s.signature)?.timestamp ?? 0n }));
}
