// Rebuilding a store's state tables from its log (`labelreg serve --rebuild`, and start-up after
// an upgrade or an interrupted rebuild): the committed log is replayed from its first entry with
// every check catch-up makes (the checkpoint's signature, every entry against the tree, every map
// commitment against the map the entries before it give), batch by batch, each batch's rows, map
// nodes and values derived as the sequencer derives them and written before the next batch is
// read (rebuild-batches.ts). The rebuild holds one batch's records and a bounded cache, never the
// whole state nor the whole map: its memory does not grow with the log.
//
// The tables are marked rebuildNeeded first (beginRebuild) and stay so until every part is
// written: a rebuild that stops (an IntegrityError, a crash) leaves tables nobody may trust, and
// start-up runs it again, from the start. The three steps are guarded by the tree size; an append
// in between (SizeConflictError) makes the rebuild start over at the new size. While the tables
// are marked, the store refuses any append that writes state (StateRebuildingError), so a
// sequencer whose map lives in the tables cannot commit a root computed from them half written.
//
// They are guarded by the rebuild's token too: another rebuild of the same store begun meanwhile
// (another process with --rebuild, a standby's promotion) supersedes this one, whose next step
// is refused with RebuildSupersededError. This one then stops with that error and does not start
// over, which would supersede the other in turn: the newer rebuild finishes the tables alone. The
// newer one's beginRebuild clears the tables this one reads: a failure that may come of that is
// followed by one more step, which says whether this rebuild was superseded.
//
// Every batch is a step, and between them (the search for the newest commitment, a chunk's read
// and tree check) the rebuild steps anyway, with an empty part, at least every heartbeat: the
// store records each step's time, which tells a process starting meanwhile that this rebuild is
// alive (state-start-up.ts waits for it rather than superseding it), and a superseded or outrun
// rebuild learns it at its next heartbeat.
import type { NoteVerifier } from "../../log/note.js";
import { emptyTreeState } from "../../log/tree-state.js";
import { isCommitment } from "../domain/decode.js";
import { decodeLogEntryFast } from "../domain/entry-wire.js";
import { isViolation } from "../domain/violation.js";
import { DEFAULT_STATE_CACHE_BYTES } from "../readmodel/log-view.js";
import { RebuildSupersededError, SizeConflictError, type LogStore } from "../store/port.js";
import { STATE_TABLES, type StateTable, type StateTables } from "../store/state.js";
import { verifyStoredCheckpoint } from "./checkpoint-check.js";
import { IntegrityError } from "./integrity-error.js";
import { MAX_REBUILD_BATCH, RebuildBatches, type RebuildEntry } from "./rebuild-batches.js";
import { TreeCheck } from "./tree-check.js";

export interface RebuildProgress {
  /** "replay": entries read and checked against the tree; "write": entries whose rows, nodes and values are written. */
  readonly phase: "replay" | "write";
  readonly done: number;
  readonly total: number;
  /** What the rebuild's partial state held at the newest batch (its working set and the cache), in bytes by estimate. */
  readonly heldBytes: number;
}

export interface RebuildReport {
  /** The tree size the tables now reflect. */
  readonly size: number;
  /** Rows the tables hold. */
  readonly rows: number;
  /** The map version written (the newest commitment's index), if the log has a commitment. */
  readonly mapVersion: number | undefined;
  /** Map nodes and values written (one written again by a later batch counts again). */
  readonly nodes: number;
  readonly values: number;
  /** How many times an append moved the tree under the rebuild, so that it started over. */
  readonly restarts: number;
}

/** Entries read per store call while replaying. */
const CHUNK = 4096;
/** Appends that may move the tree under one rebuild before it gives up. */
const MAX_RESTARTS = 16;
/** The longest a rebuild goes without a step while it replays, by default (RebuildOptions). */
export const REBUILD_HEARTBEAT_MS = 2_000;

export interface RebuildOptions {
  /** Told how far the rebuild got, now and then. */
  readonly progress?: (p: RebuildProgress) => void;
  /** The longest the rebuild goes without a step (a heartbeat) where it can step; REBUILD_HEARTBEAT_MS. */
  readonly heartbeatMs?: number;
  /**
   * Heap the partial state's records (labels, products, manufacturers, request ids) may take
   * between batches: DEFAULT_STATE_CACHE_BYTES, as a registry keeps (serve --state-cache-mb).
   */
  readonly stateCacheBytes?: number;
}

/**
 * Rebuilds every state table of `store` from its log; resolves once they reflect the log at the
 * size reported. Throws IntegrityError (naming the entry where it can) if the log fails a check,
 * leaving the tables marked rebuildNeeded, and RebuildSupersededError if another rebuild of the
 * store began before this one finished (that one rewrites the tables; this one wrote no more),
 * found at the latest at the next heartbeat. Steps at least every `heartbeatMs` where it can.
 */
export async function rebuildState(
  store: LogStore,
  authorityPublicKey: Uint8Array,
  logVerifier: NoteVerifier,
  opts: RebuildOptions = {},
): Promise<RebuildReport> {
  const tables = store.state;
  if (!tables) throw new Error("rebuild: this store keeps no state tables");
  for (let restarts = 0; ; restarts++) {
    try {
      return { ...(await rebuildOnce(store, tables, authorityPublicKey, logVerifier, opts)), restarts };
    } catch (e) {
      if (!(e instanceof SizeConflictError) || restarts >= MAX_RESTARTS) throw e;
    }
  }
}

async function rebuildOnce(
  store: LogStore,
  tables: StateTables,
  authorityPublicKey: Uint8Array,
  logVerifier: NoteVerifier,
  { progress, heartbeatMs = REBUILD_HEARTBEAT_MS, stateCacheBytes = DEFAULT_STATE_CACHE_BYTES }: RebuildOptions,
): Promise<Omit<RebuildReport, "restarts">> {
  const latest = await store.latestCheckpoint();
  const checkpoint = latest ? verifyStoredCheckpoint(latest, logVerifier) : undefined;
  const size = checkpoint?.size ?? 0;
  const token = await tables.beginRebuild(size);
  let stepped = Date.now();
  // A step with an empty part when the last is a heartbeat old: it throws as any step would
  // (superseded, or the tree moved), stopping or restarting the rebuild at once.
  const beat = async () => {
    if (Date.now() - stepped < heartbeatMs) return;
    await tables.writeRebuild(token, size, {});
    stepped = Date.now();
  };
  let nodes = 0;
  let values = 0;
  // The map is written at the newest commitment's version, by every batch up to it.
  const last = await lastCommitment(store, size, beat);
  try {
    const tree = new TreeCheck(emptyTreeState(), store);
    const batches = await RebuildBatches.begin(authorityPublicKey, tables, size, last, stateCacheBytes);
    while (batches.size < size) {
      const start = batches.size;
      // Chunks end at the newest commitment: the batches after it write rows only.
      const end = Math.min(size, start + CHUNK, last !== undefined && start <= last ? last + 1 : size);
      const bytes = await store.readEntries(start, end);
      // Hashed first: an entry the tree does not vouch for is a tree mismatch, whatever it holds.
      await tree.extend(bytes);
      const chunk = bytes.map((b, i) => decoded(b, start + i));
      progress?.({ phase: "replay", done: end, total: size, heldBytes: batches.heldBytes });
      await beat();
      for (let at = 0; at < chunk.length; ) {
        const next = chunk.slice(at, at + MAX_REBUILD_BATCH);
        const n = batches.batchLength(next);
        const part = await batches.derive(next.slice(0, n));
        const heldBytes = batches.heldBytes;
        await tables.writeRebuild(token, size, part);
        stepped = Date.now();
        batches.written();
        nodes += part.nodes?.length ?? 0;
        values += part.values?.length ?? 0;
        at += n;
        progress?.({ phase: "write", done: batches.size, total: size, heldBytes });
      }
    }
    if (checkpoint) tree.expectRoot(size, checkpoint.root, `the checkpoint of size ${size}`);
  } catch (e) {
    // The tables may have been cleared under this rebuild by a newer one, and what it read of
    // them made it fail: one more step says so (RebuildSupersededError), or that the tree moved.
    if (!(e instanceof RebuildSupersededError || e instanceof SizeConflictError)) {
      try {
        await tables.writeRebuild(token, size, {});
      } catch (step) {
        if (step instanceof RebuildSupersededError || step instanceof SizeConflictError) throw step;
      }
    }
    throw e;
  }
  const rows = await countRows(tables, size, beat);
  await tables.finishRebuild(token, size);
  progress?.({ phase: "write", done: size, total: size, heldBytes: 0 });
  return { size, rows, mapVersion: last, nodes, values };
}

/** The entry at `index`, decoded; IntegrityError bad-entry if it does not decode. */
function decoded(bytes: Uint8Array, index: number): RebuildEntry {
  const e = decodeLogEntryFast(bytes);
  if (isViolation(e)) throw new IntegrityError("bad-entry", `entry ${index} does not decode: ${e.message}`, index);
  return e;
}

/** Rows per page while counting them: pages of the largest read held hundreds of MB at 10^5 entries. */
const COUNT_PAGE = 4096;

/** The rows the tables hold, counted page by page (a row written by several batches counts once). */
async function countRows(tables: StateTables, size: number, beat: () => Promise<void>): Promise<number> {
  let rows = 0;
  for (const table of Object.keys(STATE_TABLES) as StateTable[]) {
    for (let after: Uint8Array | undefined; ; ) {
      const page = await tables.scanState(table, after, COUNT_PAGE);
      if (page.size !== size) throw new SizeConflictError(size, page.size);
      rows += page.rows.length;
      await beat();
      if (page.rows.length < COUNT_PAGE) break;
      after = page.rows[page.rows.length - 1]!.key;
    }
  }
  return rows;
}

/** The index of the newest commitment entry in the log of `size`, if it has one; `beat` after each read. */
async function lastCommitment(store: LogStore, size: number, beat: () => Promise<void>): Promise<number | undefined> {
  for (let end = size; end > 0; end -= CHUNK) {
    const start = Math.max(0, end - CHUNK);
    const entries = await store.readEntries(start, end);
    await beat();
    for (let i = entries.length - 1; i >= 0; i--) {
      const e = decodeLogEntryFast(entries[i]!);
      // An entry that does not decode is reported by the replay, at its index.
      if (!isViolation(e) && isCommitment(e)) return start + i;
    }
  }
  return undefined;
}
