// The statistics' rows in the store's state tables (proto/labelreg/store/v1/rows.proto): table
// stats holds the counters (a total row, a row per issuer, a row per week), table statsBoundary
// the validity starts and ends still ahead (key only). A row encoded and decoded is equal to
// itself; bytes that are no such row are refused with RowDecodeError naming the table and the
// fault. Encoding is canonical (active counts sorted), so equal counts give equal bytes.
import { utf8 } from "../../log/bytes.js";
import { StatsIssuerRow, StatsTotalRow, StatsWeekRow } from "../../proto/gen/messages/labelreg/store/v1/rows.js";
import { decodeRow, RowDecodeError } from "../domain/rows.js";
import { weekStartDay } from "./week.js";

export interface EventCounts {
  issued: number;
  suspended: number;
  revoked: number;
}

/** An issuer's label events, and its active labels by `${tier}\n${categoryId}`. */
export interface IssuerCounts extends EventCounts {
  readonly active: Map<string, number>;
}

export interface StatsTotal {
  readonly statements: number;
  readonly commitments: number;
  readonly labels: number;
  readonly asOf: bigint;
  /** The day number of the Monday of the first label event's week, if any. */
  readonly firstEventWeek: number | undefined;
}

export type StatsRow =
  | { readonly kind: "total"; readonly total: StatsTotal }
  | { readonly kind: "issuer"; readonly issuerId: string; readonly counts: IssuerCounts }
  | { readonly kind: "week"; readonly monday: number; readonly counts: EventCounts };

export const STATS_TOTAL_KEY = "total";

export function statsIssuerKey(issuerId: string): string {
  return `issuer\n${issuerId}`;
}

export function statsWeekKey(monday: number): string {
  return `week\n${monday}`;
}

export function activeKey(tier: number, categoryId: string): string {
  return `${tier}\n${categoryId}`;
}

// ---- table stats ----

export function encodeStatsTotal(t: StatsTotal): Uint8Array {
  return StatsTotalRow.encode({
    statements: BigInt(t.statements),
    commitments: BigInt(t.commitments),
    labels: BigInt(t.labels),
    asOfUnix: t.asOf,
    firstEventWeek: t.firstEventWeek === undefined ? undefined : BigInt(t.firstEventWeek),
  }).finish();
}

export function encodeStatsIssuer(issuerId: string, c: IssuerCounts): Uint8Array {
  const active = [...c.active].map(([key, n]) => {
    const cut = key.indexOf("\n");
    return { tier: Number(key.slice(0, cut)), categoryId: key.slice(cut + 1), labels: BigInt(n) };
  });
  active.sort((a, b) => a.tier - b.tier || compare(a.categoryId, b.categoryId));
  return StatsIssuerRow.encode({
    issuerId,
    issued: BigInt(c.issued),
    suspended: BigInt(c.suspended),
    revoked: BigInt(c.revoked),
    active,
  }).finish();
}

export function encodeStatsWeek(monday: number, c: EventCounts): Uint8Array {
  return StatsWeekRow.encode({
    monday: BigInt(monday),
    issued: BigInt(c.issued),
    suspended: BigInt(c.suspended),
    revoked: BigInt(c.revoked),
  }).finish();
}

/** A row of table stats from its key and value; the value must be the row its key names. */
export function decodeStatsRow(key: string, value: Uint8Array): StatsRow {
  if (key === STATS_TOTAL_KEY) {
    const r = decodeRow(T, () => StatsTotalRow.decode(value));
    const firstEventWeek = r.firstEventWeek === undefined ? undefined : safe("first event week", r.firstEventWeek);
    if (firstEventWeek !== undefined && weekStartDay(firstEventWeek * 86_400) !== firstEventWeek)
      throw new RowDecodeError(T, `the first event week ${firstEventWeek} is not a Monday`);
    if (r.asOfUnix < 0n) throw new RowDecodeError(T, `as of ${r.asOfUnix} is before 1970`);
    return {
      kind: "total",
      total: {
        statements: safe("statements", r.statements),
        commitments: safe("commitments", r.commitments),
        labels: safe("labels", r.labels),
        asOf: r.asOfUnix,
        firstEventWeek,
      },
    };
  }
  if (key.startsWith("issuer\n")) {
    const r = decodeRow(T, () => StatsIssuerRow.decode(value));
    if (statsIssuerKey(r.issuerId) !== key)
      throw new RowDecodeError(T, `the row of key ${JSON.stringify(key)} is issuer ${JSON.stringify(r.issuerId)}'s`);
    const active = new Map<string, number>();
    let last: { tier: number; categoryId: string } | undefined;
    for (const a of r.active) {
      if (a.tier < 1 || a.tier > 3) throw new RowDecodeError(T, `tier ${a.tier} is not a tier 1..3`);
      if (a.labels === 0n) throw new RowDecodeError(T, `an active count of tier ${a.tier} is zero`);
      if (last && (a.tier - last.tier || compare(a.categoryId, last.categoryId)) <= 0)
        throw new RowDecodeError(T, "the active counts are not in ascending (tier, category) order");
      active.set(activeKey(a.tier, a.categoryId), safe("active labels", a.labels));
      last = a;
    }
    return { kind: "issuer", issuerId: r.issuerId, counts: { ...eventCounts(r), active } };
  }
  if (key.startsWith("week\n")) {
    const r = decodeRow(T, () => StatsWeekRow.decode(value));
    const monday = Number(r.monday);
    if (statsWeekKey(monday) !== key || weekStartDay(monday * 86_400) !== monday)
      throw new RowDecodeError(T, `the row of key ${JSON.stringify(key)} is week ${r.monday}'s, or that is no Monday`);
    return { kind: "week", monday, counts: eventCounts(r) };
  }
  throw new RowDecodeError(T, `${JSON.stringify(key.slice(0, 40))} is no key of this table`);
}

// ---- table statsBoundary ----

const B = "statsBoundary";
const TIME_BYTES = 8;
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The key of label `labelId`'s boundary at `time` (Unix seconds, 0..2^53-1). */
export function boundaryKey(time: number, labelId: string): Uint8Array {
  if (!Number.isSafeInteger(time) || time < 0) throw new RangeError(`stats: boundary time ${time} is out of range`);
  const id = utf8(labelId);
  const key = new Uint8Array(TIME_BYTES + id.length);
  new DataView(key.buffer).setBigUint64(0, BigInt(time));
  key.set(id, TIME_BYTES);
  return key;
}

/** The boundary a statsBoundary row stands for; its value must be empty. */
export function decodeBoundaryRow(key: Uint8Array, value: Uint8Array): { time: number; id: string } {
  if (key.length <= TIME_BYTES)
    throw new RowDecodeError(B, `a key of ${key.length} bytes is too short for a time and a label id`);
  if (value.length !== 0) throw new RowDecodeError(B, `the value has ${value.length} bytes, not none`);
  const time = new DataView(key.buffer, key.byteOffset, key.byteLength).getBigUint64(0);
  if (time > BigInt(Number.MAX_SAFE_INTEGER)) throw new RowDecodeError(B, `time ${time} is past any Unix time`);
  let id: string;
  try {
    id = strictUtf8.decode(key.subarray(TIME_BYTES));
  } catch {
    throw new RowDecodeError(B, "the label id is not UTF-8");
  }
  return { time: Number(time), id };
}

// ---- shared parts ----

const T = "stats";

function eventCounts(r: { issued: bigint; suspended: bigint; revoked: bigint }): EventCounts {
  return {
    issued: safe("issued", r.issued),
    suspended: safe("suspended", r.suspended),
    revoked: safe("revoked", r.revoked),
  };
}

function safe(what: string, v: bigint): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER))
    throw new RowDecodeError(T, `${what} ${v} is out of range`);
  return Number(v);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
