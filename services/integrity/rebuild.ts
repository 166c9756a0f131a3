// Rebuilding a store's state tables from its log (`labelreg serve --rebuild`, and start-up after
// an upgrade or an interrupted rebuild): the committed log is replayed from its first entry with
// every check catch-up makes (the checkpoint's signature, every entry against the tree, every map
// commitment against the map the entries before it give), then every row of the state it reaches
// (and of the statistics folded on the way) is written, and the map's nodes and values as of the
// newest commitment.
//
// The tables are marked rebuildNeeded first (beginRebuild) and stay so until every part is
// written: a rebuild that stops (an IntegrityError, a crash) leaves tables nobody may trust, and
// start-up runs it again. The three steps are guarded by the tree size; an append in between
// (SizeConflictError) makes the rebuild start over at the new size. While the tables are marked,
// the store refuses any append that writes state (StateRebuildingError), so a sequencer whose
// map lives in the tables cannot commit a root computed from them half cleared.
//
// They are guarded by the rebuild's token too: another rebuild of the same store begun meanwhile
// (another process with --rebuild, a standby's promotion) supersedes this one, whose next step
// is refused with RebuildSupersededError. This one then stops with that error and does not start
// over, which would supersede the other in turn: the newer rebuild finishes the tables alone.
//
// The replay writes nothing for minutes on a large log, so it steps anyway, with an empty part,
// at least every heartbeat: the store records each step's time, which tells a process starting
// meanwhile that this rebuild is alive (state-start-up.ts waits for it rather than superseding
// it), and a superseded or outrun rebuild learns it at its next heartbeat, not after its replay.
// A beat can only come between awaited steps: a synchronous stretch (a chunk's checks, the map
// built at the newest commitment) delays it, which the staleness limit readers apply must cover.
import type { NoteVerifier } from "../../log/note.js";
import { bytesEqual } from "../../log/bytes.js";
import { computeUpdate, defaultMapHasher, MemoryMapNodeStore } from "../../log/map/index.js";
import { emptyTreeState } from "../../log/tree-state.js";
import { isCommitment } from "../domain/decode.js";
import { decodeLogEntryFast } from "../domain/entry-wire.js";
import { mapEntries, MapTouched } from "../domain/map-values.js";
import { allRows } from "../domain/state-rows.js";
import { isViolation } from "../domain/violation.js";
import { mapStateWrite } from "../store/map-nodes.js";
import { SizeConflictError, type LogStore } from "../store/port.js";
import type { MapNodeWrite, MapValueWrite, StateRowWrite, StateTables, StateWrite } from "../store/state.js";
import type { RegistryState } from "../domain/state.js";
import { StatsFold } from "../stats/fold.js";
import { verifyStoredCheckpoint } from "./checkpoint-check.js";
import { IntegrityError } from "./integrity-error.js";
import { MapCheck } from "./map-check.js";
import { TreeCheck } from "./tree-check.js";

export interface RebuildProgress {
  /** "replay": entries checked and applied; "write": rows, nodes and values written. */
  readonly phase: "replay" | "write";
  readonly done: number;
  readonly total: number;
}

export interface RebuildReport {
  /** The tree size the tables now reflect. */
  readonly size: number;
  readonly rows: number;
  /** The map version written (the newest commitment's index), if the log has a commitment. */
  readonly mapVersion: number | undefined;
  readonly nodes: number;
  readonly values: number;
  /** How many times an append moved the tree under the rebuild, so that it started over. */
  readonly restarts: number;
}

/** Entries read per store call while replaying. */
const CHUNK = 4096;
/** Bytes of rows, nodes or values per writeRebuild call: the part held and sent at once. */
const PART_BYTES = 4 * 1024 * 1024;
/** Appends that may move the tree under one rebuild before it gives up. */
const MAX_RESTARTS = 16;
/** The longest a rebuild goes without a step while it replays, by default (RebuildOptions). */
export const REBUILD_HEARTBEAT_MS = 2_000;

export interface RebuildOptions {
  /** Told how far the rebuild got, now and then. */
  readonly progress?: (p: RebuildProgress) => void;
  /** The longest the rebuild goes without a step (a heartbeat) where it can step; REBUILD_HEARTBEAT_MS. */
  readonly heartbeatMs?: number;
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
  { progress, heartbeatMs = REBUILD_HEARTBEAT_MS }: RebuildOptions,
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

  // The map is written as of the newest commitment: the state then is the state after the
  // entries before it, so the replay pauses there to take the map's entries.
  const last = await lastCommitment(store, size, beat);
  const tree = new TreeCheck(emptyTreeState(), store);
  const replay = new MapCheck(authorityPublicKey, new StatsFold());
  let map: { nodes: MapNodeWrite[]; values: MapValueWrite[] } | undefined;
  while (replay.size < size) {
    const start = replay.size;
    const end = Math.min(size, start + CHUNK, last !== undefined && start <= last ? last + 1 : size);
    const entries = await store.readEntries(start, end);
    // Hashed first: an entry the tree does not vouch for is a tree mismatch, whatever it holds.
    await tree.extend(entries);
    replay.extend(entries);
    if (last !== undefined && replay.size === last + 1) map = freshMap(replay, last, entries[entries.length - 1]!);
    progress?.({ phase: "replay", done: replay.size, total: size });
    await beat();
  }
  if (checkpoint) tree.expectRoot(size, checkpoint.root, `the checkpoint of size ${size}`);

  let written = 0;
  const state = replay.projected;
  const stats = replay.stats!;
  let total = (map ? map.nodes.length + map.values.length : 0) + state.keys.size;
  for (const _ of stats.allRows(state)) total++;
  for (const t of [
    state.labels,
    state.productLabels,
    state.manufacturerProducts,
    state.issuers,
    state.categories,
    state.requests,
  ])
    total += t.size;
  for (const l of state.labels.values()) total += l.history.length;
  const write = async (part: StateWrite, count: number) => {
    await tables.writeRebuild(token, size, part);
    stepped = Date.now();
    written += count;
    progress?.({ phase: "write", done: written, total });
  };
  let rows = 0;
  for (const part of parts(rowsOf(state, stats), (r) => r.value!.length + 64)) {
    await write({ rows: part }, part.length);
    rows += part.length;
  }
  for (const part of parts(map?.nodes ?? [], (n) => n.node.length + n.path.length))
    await write({ nodes: part }, part.length);
  for (const part of parts(map?.values ?? [], (v) => v.value.length + 64)) await write({ values: part }, part.length);
  await tables.finishRebuild(token, size);
  return { size, rows, mapVersion: last, nodes: map?.nodes.length ?? 0, values: map?.values.length ?? 0 };
}

/**
 * The map's nodes and values at version `index` (a commitment entry's), built afresh from every
 * key: the map's shape depends only on its keys, so it must give the root the replay checked
 * the commitment against.
 */
function freshMap(
  replay: MapCheck,
  index: number,
  entry: Uint8Array,
): { nodes: MapNodeWrite[]; values: MapValueWrite[] } {
  const commitment = decodeLogEntryFast(entry);
  if (isViolation(commitment) || !isCommitment(commitment)) throw new Error(`rebuild: entry ${index} is no commitment`);
  const state = replay.projected;
  const entries = mapEntries(state, MapTouched.everything(state), defaultMapHasher);
  const update = computeUpdate(new MemoryMapNodeStore(), defaultMapHasher, entries);
  if (!bytesEqual(update.root, commitment.commitment.root))
    throw new IntegrityError(
      "map-commitment",
      `the map rebuilt from every key does not give the root of the commitment at index ${index}`,
      index,
    );
  return mapStateWrite(index, update, entries);
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

/** Every row of the state tables: the projections' and the statistics'. */
function* rowsOf(state: RegistryState, stats: StatsFold): Generator<StateRowWrite> {
  yield* allRows(state);
  yield* stats.allRows(state);
}

/** `items` in consecutive parts of about PART_BYTES each (by `bytes`), at least one item each. */
function* parts<T>(items: Iterable<T>, bytes: (t: T) => number): Generator<T[]> {
  let part: T[] = [];
  let held = 0;
  for (const item of items) {
    part.push(item);
    held += bytes(item);
    if (held >= PART_BYTES) {
      yield part;
      part = [];
      held = 0;
    }
  }
  if (part.length > 0) yield part;
}
