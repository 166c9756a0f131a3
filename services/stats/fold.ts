// The registry's statistics as a fold over the log's entries, in log order, beside the projected
// state (services/domain): the registry keeps one up to date as it applies entries
// (services/readmodel/log-view.ts) and the auditor recomputes one from the tiles
// (`labelreg audit --stats`), so both give the same figures for the same checkpoint.
//
// "Active" is read at the sequencing time of the last entry folded (as_of), never at a clock: a
// label counts when labelStatusAt(label, as_of) is ACTIVE. As as_of only moves forward, labels
// that start or end their validity in between are found in a queue of those times, so each
// entry costs O(log labels) and a snapshot does not scan the labels.
//
// One fold, two sources. A replay (the auditor's, a start-up that replays) holds every boundary
// in memory. A registry serving from its store's state tables loads the fold from its rows
// (load: the counters, no replay) and holds only the boundaries up to a horizon: before folding
// entries sequenced up to time t it calls prepare(t), which reads the boundaries due by t from
// table statsBoundary and names the labels they need (to be loaded into a partial state first).
// The rows a batch writes come from a fork (fork, rows): a copy folded through the batch in the
// sequencer's check phase, so the fold itself changes only once the batch is committed, when it
// folds the batch again, like every committed entry.
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
import { StateSizeError } from "../store/state-fetch.js";
import type { StateRowWrite, StateTables } from "../store/state.js";
import {
  activeKey,
  boundaryKey,
  decodeBoundaryRow,
  decodeStatsRow,
  encodeStatsIssuer,
  encodeStatsTotal,
  encodeStatsWeek,
  STATS_TOTAL_KEY,
  statsIssuerKey,
  statsWeekKey,
  type EventCounts,
  type IssuerCounts,
} from "./rows.js";
import { fromUtf8 } from "../../log/bytes.js";
import { RowDecodeError } from "../domain/rows.js";
import { TimeQueue } from "./time-queue.js";
import { isoWeekName, weekStartDay, weeksBetween } from "./week.js";

export type FoldedEntry = SequencedStatement | CommitmentEntry;

/** Rows read per scanState call. */
const PAGE = 1024;
const NO_VALUE = new Uint8Array(0);

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
  /** Label events and active labels, by issuer. */
  private readonly issuers = new Map<string, IssuerCounts>();
  /** Label events by the day number of their week's Monday. */
  private readonly weeks = new Map<number, EventCounts>();
  private firstEventWeek: number | undefined;
  /** Times at which a label's validity starts or ends, still ahead of asOf, up to the horizon. */
  private boundaries = new TimeQueue();
  /**
   * Every boundary ahead of asOf and at or before this time is in `boundaries`; later ones are
   * only in the store (Infinity: every one is here).
   */
  private horizon = Infinity;
  /**
   * A fork's (fork()): the fold it was forked from, whose counts it copies on first change, so
   * that its own maps hold exactly the issuers and weeks it changed; and its boundary rows
   * written or deleted.
   */
  private base: StatsFold | undefined;
  private boundaryRows: Map<string, StateRowWrite> | undefined;

  /**
   * The fold a store's state tables hold (written by the batches' rows, or a rebuild), with no
   * boundary loaded yet. The rows must reflect `expectedSize` entries (the size of the state the
   * fold will follow), else StateSizeError; rows that do not decode throw RowDecodeError.
   */
  static async load(tables: Pick<StateTables, "scanState">, expectedSize: number): Promise<StatsFold> {
    const f = new StatsFold();
    let total = false;
    for (let after: Uint8Array | undefined; ; ) {
      const page = await tables.scanState("stats", after, PAGE);
      if (page.size !== expectedSize) throw new StateSizeError(expectedSize, page.size);
      for (const { key, value } of page.rows) {
        const row = decodeStatsRow(fromUtf8(key), value);
        if (row.kind === "total") {
          ({ statements: f.statements, commitments: f.commitments, labels: f.labels, asOf: f.asOf } = row.total);
          f.firstEventWeek = row.total.firstEventWeek;
          total = true;
        } else if (row.kind === "issuer") f.issuers.set(row.issuerId, row.counts);
        else f.weeks.set(row.monday, row.counts);
      }
      if (page.rows.length < PAGE) break;
      after = page.rows[page.rows.length - 1]!.key;
    }
    if (f.statements + f.commitments !== expectedSize)
      throw new RowDecodeError(
        "stats",
        total
          ? `the total row counts ${f.statements + f.commitments} entries, the tables are at size ${expectedSize}`
          : "the table has no total row",
      );
    f.horizon = Number(f.asOf);
    return f;
  }

  /**
   * Loads the boundaries due by `now` (a sequencing time about to be folded) from the store's
   * statsBoundary rows, if they are not held yet, and returns the ids of the labels they belong
   * to: folding up to `now` reads those labels, so a partial state must hold them first. The
   * rows must reflect the entries this fold has folded, else StateSizeError. A fold that holds
   * every boundary (a replay's) reads nothing.
   */
  async prepare(now: bigint, tables: Pick<StateTables, "scanState">): Promise<string[]> {
    if (this.base) throw new Error("stats: a fork is not prepared");
    const t = Number(now);
    if (t > this.horizon) {
      const size = this.statements + this.commitments;
      const due = new TimeQueue();
      scan: for (let after: Uint8Array | undefined; ; ) {
        const page = await tables.scanState("statsBoundary", after, PAGE);
        if (page.size !== size) throw new StateSizeError(size, page.size);
        for (const { key, value } of page.rows) {
          const b = decodeBoundaryRow(key, value);
          if (b.time > t) break scan;
          due.push(b.time, b.id, Number(this.asOf));
        }
        if (page.rows.length < PAGE) break;
        after = page.rows[page.rows.length - 1]!.key;
      }
      // Folding while the rows were read would leave them behind: the caller sequences wrongly.
      if (this.statements + this.commitments !== size) throw new Error("stats: entries were folded during prepare");
      this.boundaries = due;
      this.horizon = t;
    }
    return [...new Set(this.boundaries.until(t).map((b) => b.id))];
  }

  /**
   * A copy to fold the entries of one batch sequenced at `now` through, for the rows they change
   * (rows()): its counts are copied from this fold as it changes them, its boundaries are those
   * due by `now`. This fold must hold them (prepare(now) first); the fork folds no later entry.
   */
  fork(now: bigint): StatsFold {
    if (this.base) throw new Error("stats: a fork is not forked");
    const t = Number(now);
    if (t > this.horizon) throw new Error(`stats: the boundaries due by ${now} are not loaded (prepare first)`);
    const f = new StatsFold();
    f.statements = this.statements;
    f.commitments = this.commitments;
    f.labels = this.labels;
    f.asOf = this.asOf;
    f.firstEventWeek = this.firstEventWeek;
    for (const b of this.boundaries.until(t)) f.boundaries.push(b.time, b.id, Number(f.asOf));
    f.horizon = t;
    f.base = this;
    f.boundaryRows = new Map();
    return f;
  }

  /**
   * A fork's rows for the state tables: the total row, the row of each issuer and week it
   * changed, and the boundaries it added (ahead) or passed (or that a renewal moved).
   */
  rows(): StateRowWrite[] {
    if (!this.base || !this.boundaryRows) throw new Error("stats: only a fork knows the rows it changed");
    return [...this.counterRows(), ...this.boundaryRows.values()];
  }

  /**
   * Every row of this fold, as a rebuild writes them: the counters, and each label's validity
   * start and end still ahead, from `state` (complete: the state this fold has followed).
   */
  *allRows(state: RegistryState): Generator<StateRowWrite> {
    if (this.base) throw new Error("stats: a fork holds only what it changed");
    if (state.partial) throw new Error("stats: every row needs every label (a complete state)");
    yield* this.counterRows();
    for (const l of state.labels.values())
      for (const time of [l.validFromUnix, l.validUntilUnix])
        if (time > this.asOf)
          yield { table: "statsBoundary", key: boundaryKey(Number(time), l.labelId), value: NO_VALUE };
  }

  private *counterRows(): Generator<StateRowWrite> {
    yield {
      table: "stats",
      key: STATS_TOTAL_KEY,
      value: encodeStatsTotal({
        statements: this.statements,
        commitments: this.commitments,
        labels: this.labels,
        asOf: this.asOf,
        firstEventWeek: this.firstEventWeek,
      }),
    };
    for (const [id, c] of this.issuers)
      yield { table: "stats", key: statsIssuerKey(id), value: encodeStatsIssuer(id, c) };
    for (const [monday, c] of this.weeks)
      yield { table: "stats", key: statsWeekKey(monday), value: encodeStatsWeek(monday, c) };
  }

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
      this.addBoundary(next.validFromUnix, labelId);
    }
    if (prior?.validUntilUnix !== next.validUntilUnix) {
      // A renewal moved the end: the older time is no longer a boundary of this label. The queue
      // skips it when it comes (cheaper than finding it); the row goes now.
      if (prior) this.boundaryRow(prior.validUntilUnix, labelId, false);
      this.addBoundary(next.validUntilUnix, labelId);
    }
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
    this.weekCounts(week)[field]++;
    this.issuerCounts(next.issuerId)[field]++;
  }

  /**
   * A fork's count of the commitment entry that ends its batch, folded before the commitment
   * exists (its root is computed later): the batch's statements were sequenced at the same time,
   * so nothing but the count changes.
   */
  countCommitment(): void {
    if (!this.base) throw new Error("stats: only a fork counts a commitment ahead of its entry");
    this.commitments++;
  }

  /** Adds `sign` for the label if it is active at asOf. */
  private count(r: LabelRecord | undefined, sign: 1 | -1): void {
    if (!r || !isActive(r, this.asOf)) return;
    const active = this.issuerCounts(r.issuerId).active;
    const key = activeKey(r.tier, r.categoryId);
    const n = (active.get(key) ?? 0) + sign;
    if (n === 0) active.delete(key);
    else active.set(key, n);
  }

  /** The counts of issuer `id`, to change (a fork copies them first). */
  private issuerCounts(id: string): IssuerCounts {
    let c = this.issuers.get(id);
    if (!c) {
      const b = this.base?.issuers.get(id);
      this.issuers.set(id, (c = b ? { ...b, active: new Map(b.active) } : { ...zero(), active: new Map() }));
    }
    return c;
  }

  /** The counts of the week of Monday `monday`, to change (a fork copies them first). */
  private weekCounts(monday: number): EventCounts {
    let c = this.weeks.get(monday);
    if (!c) {
      const b = this.base?.weeks.get(monday);
      this.weeks.set(monday, (c = b ? { ...b } : zero()));
    }
    return c;
  }

  /** Notes label `id`'s validity start or end at `time`, if it is still ahead. */
  private addBoundary(time: bigint, id: string): void {
    if (time <= this.asOf) return;
    if (Number(time) <= this.horizon) this.boundaries.push(Number(time), id, Number(this.asOf));
    this.boundaryRow(time, id, true);
  }

  /** A fork's boundary row written (`ahead`) or deleted; the last word on a key wins. */
  private boundaryRow(time: bigint, id: string, ahead: boolean): void {
    if (!this.boundaryRows) return;
    const key = boundaryKey(Number(time), id);
    this.boundaryRows.set(`${time}\n${id}`, { table: "statsBoundary", key, value: ahead ? NO_VALUE : null });
  }

  /** Moves asOf to `t` (if later), counting the labels whose validity starts or ends meanwhile. */
  private advanceTo(state: RegistryState, t: bigint): void {
    if (t <= this.asOf) return;
    if (Number(t) > this.horizon) throw new Error(`stats: the boundaries due by ${t} are not loaded (prepare first)`);
    for (;;) {
      const due = this.boundaries.popUntil(Number(t));
      if (!due) break;
      this.boundaryRow(BigInt(due.time), due.id, false);
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
    if (this.base) throw new Error("stats: a fork holds only what it changed");
    const byTier = new Map<number, number>();
    const byCategory = new Map<string, number>();
    const byIssuerActive = new Map<string, number>();
    for (const [issuerId, c] of this.issuers) {
      for (const [key, n] of c.active) {
        const cut = key.indexOf("\n");
        const tier = Number(key.slice(0, cut));
        const categoryId = key.slice(cut + 1);
        byTier.set(tier, (byTier.get(tier) ?? 0) + n);
        byCategory.set(categoryId, (byCategory.get(categoryId) ?? 0) + n);
        byIssuerActive.set(issuerId, (byIssuerActive.get(issuerId) ?? 0) + n);
      }
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
        const c = this.issuers.get(r.issuerId) ?? zero();
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
