// How the KurrentDB store lays a log out in streams, and the arithmetic between entry indices and
// stream revisions. Pure: no client, no I/O, so all of it is unit-tested without a server.
//
// Streams of a log with prefix P (see services/store/README.md for the reasoning):
//   P-entries       one event per entry, in order. Revision = index + the offset in force (0
//                   unless an uncommitted tail was skipped, see below).
//   P-checkpoints   one event per commit (and per cosignature update): the commit marker. It holds
//                   the tree size, the signed note and the offset table. Its revision is the
//                   compare-and-set of the log; the latest event is the latest checkpoint.
//   P-tile-L-N      hash tile (L, N), one event per widening; derived data.
//   P-tiled         the size up to which every tile has been written; derived data.
//
// A batch is committed when its marker lands, never before: entries go first (in chunks under the
// server's maximum append size, each chunk guarded by the entries stream's expected revision),
// then the marker (guarded by the checkpoints stream's expected revision). Entries of a batch
// whose marker never landed (a crash, an outage, a lost race) stay in the entries stream as an
// uncommitted tail: the next batch starts after them, and its marker records the new offset
// between index and revision. Offsets only grow, and only when a tail was skipped.
//
// State tables (services/store/state.ts): the layout below is the design; the store does not
// implement it yet (it has no `state`, and refuses a batch with a state part). KurrentDB has no
// tables, so a batch's state is an event of the commit, and the tables are projections of those
// events, caught up as the tiles are:
//   P-state         one event per chunk of a batch's state part (rows, nodes, values; chunked
//                   under the maximum append size like the entries), written after the entries
//                   and before the marker, guarded by this stream's expected revision. The
//                   marker carries the revision range of its batch's chunks, so a batch's state
//                   is committed exactly when its entries are (when the marker lands), and the
//                   chunks of a batch whose marker never landed are an uncommitted tail, skipped
//                   as the entries' are.
//   P-row-T-K       one stream per row (table id T, key K in hex), the last event its value (a
//                   deletion is an event with an empty body and a "deleted" flag); read with one
//                   backwards read of one event per key.
//   P-node-H        one stream per map position (H = hex of pathBytes), one event per version in
//                   version order; a read at version v reads backwards to the first event with a
//                   version <= v. Pruning sets the stream's truncate-before ($tb) metadata.
//   P-value-H       one stream per value hash (H = hex of the hash), the value; pruned with $tb
//                   of the map key's stream P-valkey-K, which lists the versions of key K.
//   P-stated        the size up to which the projections above are written. A reader of a size
//                   past it (or the next writer, before extending the log) applies the committed
//                   P-state chunks in between first, idempotently (each projection event is
//                   guarded by its stream's expected revision), exactly as missing tiles are
//                   rebuilt: so log and state can never disagree about what is committed.
//   P-state-meta    the rebuild mark and the map floor, one event per change (the last counts);
//                   a rebuild writes a new generation of projection streams (a generation number
//                   in each name above, from this stream) instead of deleting events.
import { fromBase64, toBase64 } from "../../log/bytes.js";

/** Prefixes become stream names; KurrentDB reserves names starting with "$". */
const PREFIX = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

export class InvalidStreamPrefixError extends Error {
  constructor(readonly prefix: string) {
    super(`kurrentdb store: stream prefix ${JSON.stringify(prefix)} must match ${PREFIX.source}`);
    this.name = "InvalidStreamPrefixError";
  }
}

export interface LogStreams {
  readonly entries: string;
  readonly checkpoints: string;
  readonly tiled: string;
  tile(level: number, index: number): string;
}

export function logStreams(prefix: string): LogStreams {
  if (!PREFIX.test(prefix)) throw new InvalidStreamPrefixError(prefix);
  return {
    entries: `${prefix}-entries`,
    checkpoints: `${prefix}-checkpoints`,
    tiled: `${prefix}-tiled`,
    tile: (level, index) => `${prefix}-tile-${level}-${index}`,
  };
}

export const ENTRY_EVENT = "labelreg.entry";
export const CHECKPOINT_EVENT = "labelreg.checkpoint";
export const TILE_EVENT = "labelreg.tile";
export const TILED_EVENT = "labelreg.tiled";

// ---- Offsets: index <-> revision ----------------------------------------------------------------

/**
 * [fromIndex, offset] pairs, fromIndex strictly increasing, offset strictly increasing and > 0:
 * entry i is at revision i + (the offset of the last pair with fromIndex <= i), or i itself
 * before the first pair.
 */
export type Offsets = readonly (readonly [number, number])[];

/** The offset in force for entry `index`. */
export function offsetAt(offsets: Offsets, index: number): number {
  let offset = 0;
  for (const [from, o] of offsets) {
    if (from > index) break;
    offset = o;
  }
  return offset;
}

/** The offset after the last pair: where the next batch goes if no tail was skipped. */
export function currentOffset(offsets: Offsets): number {
  return offsets.at(-1)?.[1] ?? 0;
}

/** Revision of the next entry appended after a tree of `size`, if no tail is to be skipped. */
export function nextRevision(size: number, offsets: Offsets): number {
  return size + currentOffset(offsets);
}

/**
 * The offsets after a batch at `expectedSize` whose first entry landed at `firstRevision`.
 * Throws RangeError if that revision is before where the log's next entry belongs (it would
 * overlap committed entries).
 */
export function offsetsAfterBatch(offsets: Offsets, expectedSize: number, firstRevision: number): Offsets {
  const offset = firstRevision - expectedSize;
  const current = currentOffset(offsets);
  if (offset < current) {
    throw new RangeError(
      `kurrentdb store: revision ${firstRevision} for entry ${expectedSize} overlaps committed entries`,
    );
  }
  if (offset === current) return offsets;
  const last = offsets.at(-1);
  // Two skips before one batch commits cannot happen (a batch commits once), but a repeated
  // marker for the same start must not grow the table: replace the pair.
  if (last && last[0] === expectedSize) return [...offsets.slice(0, -1), [expectedSize, offset]];
  return [...offsets, [expectedSize, offset]];
}

/** A run of consecutive revisions holding entries [start, start + count). */
export interface RevisionRun {
  readonly start: number;
  readonly fromRevision: number;
  readonly count: number;
}

/** The revision runs that hold entries [start, end): one per offset in force across the range. */
export function revisionRuns(offsets: Offsets, start: number, end: number): RevisionRun[] {
  const runs: RevisionRun[] = [];
  let i = start;
  while (i < end) {
    const next = offsets.find(([from]) => from > i)?.[0] ?? end;
    const stop = Math.min(end, next);
    runs.push({ start: i, fromRevision: i + offsetAt(offsets, i), count: stop - i });
    i = stop;
  }
  return runs;
}

// ---- Stream states (the client's expected-revision values) --------------------------------------

export const NO_STREAM = "no_stream";
/** The expected state of a stream about to receive the event at `nextRev`: the last revision, or no stream. */
export function expectedStateBefore(nextRev: number): typeof NO_STREAM | bigint {
  return nextRev === 0 ? NO_STREAM : BigInt(nextRev - 1);
}

/** The next revision of a stream in `state` (the client's CurrentStreamState). */
export function nextRevisionAfter(state: unknown): number {
  if (state === NO_STREAM) return 0;
  if (typeof state === "bigint" && state >= 0n && state < BigInt(Number.MAX_SAFE_INTEGER)) return Number(state) + 1;
  // Deleted (-5) and tombstoned (-6) streams, or anything unexpected: never write over them.
  throw new RangeError(`kurrentdb store: unusable stream state ${String(state)}`);
}

// ---- Batching under the maximum append size -----------------------------------------------------

/**
 * What an event costs against the server's maximum append size beyond its data: the event id,
 * type and content type, and the framing of the append request. Generous on purpose.
 */
export const EVENT_OVERHEAD_BYTES = 256;
/** KurrentDB's default MaxAppendSize (1 MiB). */
export const DEFAULT_MAX_APPEND_BYTES = 1024 * 1024;

/**
 * Splits events of `sizes` bytes (in order) into consecutive [start, end) chunks, each costing at
 * most `maxBytes` with EVENT_OVERHEAD_BYTES per event, each non-empty, as few as greedy packing
 * gives. Throws RangeError if a single event cannot fit.
 */
export function chunkBySize(sizes: readonly number[], maxBytes: number): [number, number][] {
  const chunks: [number, number][] = [];
  let start = 0;
  let used = 0;
  for (let i = 0; i < sizes.length; i++) {
    const cost = sizes[i]! + EVENT_OVERHEAD_BYTES;
    if (cost > maxBytes)
      throw new RangeError(`kurrentdb store: an event of ${sizes[i]} bytes exceeds the append limit of ${maxBytes}`);
    if (used + cost > maxBytes) {
      chunks.push([start, i]);
      start = i;
      used = 0;
    }
    used += cost;
  }
  if (start < sizes.length) chunks.push([start, sizes.length]);
  return chunks;
}

// ---- Event bodies -------------------------------------------------------------------------------

/** The commit marker: one per committed batch and one per cosignature update. */
export interface CheckpointMarker {
  readonly size: number;
  readonly note: Uint8Array;
  readonly offsets: Offsets;
}

export class MarkerFormatError extends Error {
  constructor(message: string) {
    super(`kurrentdb store: bad checkpoint event: ${message}`);
    this.name = "MarkerFormatError";
  }
}

const isCount = (n: unknown): n is number => typeof n === "number" && Number.isSafeInteger(n) && n >= 0;

/** The marker as event data: JSON (readable in the KurrentDB UI), the note in base64. */
export function encodeMarker(m: CheckpointMarker): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ v: 1, size: m.size, offsets: m.offsets, note: toBase64(m.note) }));
}

/** Parses marker event data strictly: exactly the fields encodeMarker writes, well-formed. */
export function decodeMarker(data: Uint8Array): CheckpointMarker {
  let j: unknown;
  try {
    j = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(data));
  } catch (e) {
    throw new MarkerFormatError(e instanceof Error ? e.message : "not JSON");
  }
  if (typeof j !== "object" || j === null || Array.isArray(j)) throw new MarkerFormatError("not an object");
  const o = j as Record<string, unknown>;
  const keys = Object.keys(o).sort().join(",");
  if (keys !== "note,offsets,size,v") throw new MarkerFormatError(`unexpected fields ${keys}`);
  if (o.v !== 1) throw new MarkerFormatError(`unknown version ${String(o.v)}`);
  // Size 0: the empty log's checkpoint, the one marker that commits no entries.
  if (!isCount(o.size)) throw new MarkerFormatError("size must be a non-negative integer");
  if (typeof o.note !== "string") throw new MarkerFormatError("note must be base64 text");
  let note: Uint8Array;
  try {
    note = fromBase64(o.note);
  } catch (e) {
    throw new MarkerFormatError(`note: ${e instanceof Error ? e.message : "bad base64"}`);
  }
  if (note.length === 0) throw new MarkerFormatError("empty note");
  if (!Array.isArray(o.offsets)) throw new MarkerFormatError("offsets must be a list");
  const offsets: [number, number][] = [];
  for (const pair of o.offsets as unknown[]) {
    if (!Array.isArray(pair) || pair.length !== 2 || !isCount(pair[0]) || !isCount(pair[1])) {
      throw new MarkerFormatError("each offset must be [fromIndex, offset]");
    }
    const prev = offsets.at(-1);
    const [from, offset] = pair as [number, number];
    if (offset === 0 || from >= o.size || (prev && (from <= prev[0] || offset <= prev[1]))) {
      throw new MarkerFormatError("offsets must increase, be positive, and start inside the tree");
    }
    if (!Number.isSafeInteger(o.size + offset)) throw new MarkerFormatError("offset too large");
    offsets.push([from, offset]);
  }
  return { size: o.size, note, offsets };
}

/** The tile watermark as event data: the size in decimal. */
export function encodeTiled(size: number): Uint8Array {
  return new TextEncoder().encode(String(size));
}

export function decodeTiled(data: Uint8Array): number {
  const text = new TextDecoder().decode(data);
  if (!/^(0|[1-9][0-9]{0,15})$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new MarkerFormatError(`tile watermark ${JSON.stringify(text.slice(0, 20))} is not a size`);
  }
  return Number(text);
}
