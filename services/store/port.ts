// The event store port. The log is the event store: its entries, in order, are the events, and
// its tree size is the revision that guards every append (compare-and-set), as in Sunlight's
// LockBackend and Tessera's storage drivers. Every backend (memory, SQLite, PostgreSQL,
// KurrentDB) implements this one narrow interface and passes one shared contract suite
// (test/store/contract.ts).
import type { StateTables, StateWrite } from "./state.js";

/** One hash tile as C2SP tlog-tiles defines it: `width` hashes (1..256) at tile level `level`. */
export interface TileWrite {
  readonly level: number;
  readonly index: number;
  /** Number of 32-byte hashes in `data`, 1..256; 256 is a full (immutable) tile. */
  readonly width: number;
  readonly data: Uint8Array;
}

export interface AppendBatch {
  /** The tree size the writer built this batch on. The append happens only if it is still the size. */
  readonly expectedSize: number;
  /** Entry bytes for indices expectedSize .. expectedSize + entries.length - 1, each at most 65,535 bytes. */
  readonly entries: readonly Uint8Array[];
  /**
   * Hash tiles created or widened by this batch. A wider tile replaces a narrower one at
   * (level, index); a write no wider than the stored tile is ignored, so tiles only ever grow and
   * a full tile (width 256) never changes. Each tile must lie inside the new tree:
   * (index * 256 + width) * 256^level <= expectedSize + entries.length.
   */
  readonly tiles: readonly TileWrite[];
  /** The signed checkpoint note (C2SP signed-note bytes) for size expectedSize + entries.length. */
  readonly checkpoint: Uint8Array;
  /**
   * The derived state this batch changes (state.ts), written in the same atomic append: durable
   * with the entries once append() resolves, and a failed or lost compare-and-set writes none of
   * it. Its map versions must lie in [expectedSize, expectedSize + entries.length): a version is
   * a commitment's size, the index of the commitment entry, which is in this batch. Only for a
   * store that has `state`, and only with entries; refused while the state tables are marked
   * rebuildNeeded (StateRebuildingError).
   */
  readonly state?: StateWrite;
}

export interface StoredCheckpoint {
  readonly size: number;
  /** The signed note as published (log signature, plus witness cosignatures once added). */
  readonly note: Uint8Array;
}

/** The append lost the compare-and-set: another writer moved the tree. Nothing was written. */
export class SizeConflictError extends Error {
  constructor(
    readonly expectedSize: number,
    readonly actualSize: number,
  ) {
    super(`store: tree size is ${actualSize}, not the expected ${expectedSize}; nothing was written`);
    this.name = "SizeConflictError";
  }
}

/**
 * A write the store refuses because it is malformed (no entries beyond size 0, an entry over 65,535 bytes, a
 * tile of the wrong shape or outside the tree, an empty checkpoint), or, as StateRebuildingError,
 * because it would write state the tables cannot take now. Nothing was written.
 */
export class InvalidWriteError extends Error {
  /** @param reason what was wrong, without the "store:" and "nothing was written" the message adds */
  constructor(readonly reason: string) {
    super(`store: ${reason}; nothing was written`);
    this.name = "InvalidWriteError";
  }
}

/**
 * An append with a state part while the state tables are marked rebuildNeeded (state.ts: they
 * need a rebuild, or one is under way). State computed from tables being cleared or rewritten
 * would commit a wrong map root, so the store refuses it in the append's own transaction, where
 * no rebuild step can interleave. Nothing was written: the outcome is known, and the batch may be
 * sequenced again once a rebuild finishes.
 */
export class StateRebuildingError extends InvalidWriteError {
  constructor() {
    super(
      "state-rebuilding: the state tables are being rebuilt; an append may not write state until the rebuild finishes",
    );
    this.name = "StateRebuildingError";
  }
}

/**
 * A rebuild step (state.ts: writeRebuild, finishRebuild) of a rebuild that another beginRebuild
 * has superseded since. The newer rebuild cleared what this one wrote and rewrites the tables
 * itself; this one must stop, not start over (starting over would supersede the newer one in
 * turn, and the two would take turns clearing each other's work). Nothing was written.
 */
export class RebuildSupersededError extends InvalidWriteError {
  constructor(
    /** The refused step's rebuild. */
    readonly token: number,
    /** The newest rebuild begun on the store. */
    readonly newest: number,
  ) {
    super(
      `rebuild-superseded: rebuild ${token} of the state tables was superseded by rebuild ${newest}, ` +
        "begun since by another process or caller; it must stop and leave the tables to the newer rebuild",
    );
    this.name = "RebuildSupersededError";
  }
}

/**
 * The store could not be reached, failed, or was closed. After an append that rejects with it the
 * outcome is unknown (the commit may have landed before the failure): a writer must read
 * latestCheckpoint before acknowledging or retrying anything of that batch.
 */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StoreUnavailableError";
  }
}

/**
 * Bytes handed to a store are copied before the call resolves (the caller may reuse its buffers);
 * bytes a store returns belong to the caller. Sizes and indices are non-negative safe integers;
 * other numbers are refused with a RangeError. After close() every call rejects with
 * StoreUnavailableError.
 */
export interface LogStore {
  /**
   * Appends entries, tiles and the checkpoint atomically, if and only if the tree size is
   * `expectedSize`, even against writers in other processes sharing the store. Durable once the
   * promise resolves: a crash after that loses nothing. On a size mismatch it rejects with
   * SizeConflictError and writes nothing. A malformed batch, including one with no entries (a
   * checkpoint for an existing size is never replaced by a different root), is refused with
   * InvalidWriteError.
   *
   * One batch has no entries: the empty log's checkpoint (expectedSize 0, no entries, no tiles),
   * which a new log publishes before its first entry. It is stored only while the store holds no
   * checkpoint at all; otherwise it is refused with SizeConflictError and writes nothing, so the
   * size-0 checkpoint, once stored, is never replaced (cosignatures aside).
   *
   * A batch with a state part, while the state tables are marked rebuildNeeded, is refused with
   * StateRebuildingError and writes nothing; the mark is read in the append's own transaction, so
   * no rebuild step interleaves. A batch without a state part is not affected (its append makes
   * a rebuild under way start over at the new size).
   */
  append(batch: AppendBatch): Promise<void>;

  /** The latest committed checkpoint, or undefined for an empty log. Its size is the tree size. */
  latestCheckpoint(): Promise<StoredCheckpoint | undefined>;

  /**
   * Replaces the latest checkpoint's note by one carrying more signatures (witness cosignatures)
   * for the same size; durable once it resolves true. Refused (resolves false, writes nothing) if
   * `size` is not the latest checkpoint's size (the log moved past it, or never reached it). An
   * empty note is refused with InvalidWriteError.
   */
  updateCheckpointNote(size: number, note: Uint8Array): Promise<boolean>;

  /**
   * Entries [start, end) of the committed log, in order, in one read. Rejects with RangeError if
   * start > end or end exceeds the tree size.
   */
  readEntries(start: number, end: number): Promise<Uint8Array[]>;

  /**
   * The widest stored version of hash tile (level, index), or undefined if none exists. A reader
   * wanting the partial tile `.p/W` takes the first W hashes: tiles only ever grow.
   */
  readTile(level: number, index: number): Promise<TileWrite | undefined>;

  /**
   * Resolves once the committed tree size is greater than `size` (or at once if it already is),
   * with the new size. Rejects with `signal.reason` (a DOMException named AbortError unless the
   * caller gave another reason) when `signal` aborts, and with StoreUnavailableError when the
   * store is closed. Followers and read replicas use it to learn of appends made by any store
   * instance or process sharing the backing data, promptly (within milliseconds, not seconds).
   */
  waitForGrowth(size: number, signal?: AbortSignal): Promise<number>;

  /**
   * How many stored entries have an index at or past `index`. Past the latest checkpoint's size
   * it is 0 in any store written through append(); more means the store was restored torn
   * (entries and checkpoints copied at different moments). Optional: stores whose layout cannot
   * hold such entries leave it out.
   */
  countEntriesFrom?(index: number): Promise<number>;

  /**
   * The state tables beside the log (state.ts), written by append() with each batch's `state`.
   * Memory, SQLite and PostgreSQL have them; a store without them refuses a batch with a state
   * part (InvalidWriteError).
   */
  readonly state?: StateTables;

  /** Releases connections and file handles; pending waitForGrowth calls reject. Idempotent. */
  close(): Promise<void>;
}
