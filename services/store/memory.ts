// The in-memory LogStore, for unit tests and tools: the same contract as the durable stores, with
// "durable" meaning "kept in the MemoryLog for as long as the process holds it".
import { checkBatch, checkBatchState, checkCount, checkEntryRange, checkNote } from "./checks.js";
import { GrowthWaiters } from "./growth.js";
import { MemoryStateData } from "./memory-state.js";
import {
  SizeConflictError,
  StateRebuildingError,
  StoreUnavailableError,
  type AppendBatch,
  type LogStore,
  type StoredCheckpoint,
  type TileWrite,
} from "./port.js";
import {
  checkLeaves,
  checkPaths,
  checkReadCount,
  checkScanLimit,
  checkRebuildToken,
  checkStateWrite,
  guardRebuildToken,
  keyBytes,
  notRebuilding,
  tableId,
} from "./state-checks.js";
import {
  MapVersionPrunedError,
  type MapLeaf,
  type RebuildToken,
  type StateKey,
  type StateRead,
  type StateScan,
  type StateStatus,
  type StateTable,
  type StateTables,
  type StateWrite,
} from "./state.js";

/**
 * The steps of an append, in order. A fault injected at a step (MemoryLog.faults) fails the
 * append there, as a crash or an I/O error would: the store must then hold nothing of it.
 */
export const MEMORY_APPEND_STEPS = ["entries", "tiles", "rows", "nodes", "values", "checkpoint"] as const;
export type MemoryAppendStep = (typeof MEMORY_APPEND_STEPS)[number];

/**
 * The backing data of in-memory stores. Several stores opened on one MemoryLog share it the way
 * several processes share a database: each sees the others' appends and is fenced by the same
 * compare-and-set.
 */
export class MemoryLog {
  readonly entries: Uint8Array[] = [];
  readonly tiles = new Map<string, TileWrite>();
  readonly checkpoints: StoredCheckpoint[] = [];
  /** The stores open on this log, told of every append. */
  readonly stores = new Set<MemoryStore>();
  /** The state tables. */
  readonly state = new MemoryStateData();
  /**
   * Fault injection for tests: called before each step of an append; if it throws, the append
   * rejects with StoreUnavailableError and writes nothing, as a transaction cut short would.
   */
  faults: ((step: MemoryAppendStep) => void) | undefined;

  get size(): number {
    return this.checkpoints.at(-1)?.size ?? 0;
  }
}

const tileKey = (level: number, index: number) => `${level}/${index}`;
const copy = (b: Uint8Array) => b.slice();

class MemoryStore implements LogStore {
  private readonly waiters = new GrowthWaiters();
  private closed = false;
  readonly state: StateTables;

  constructor(private readonly log: MemoryLog) {
    log.stores.add(this);
    this.state = new MemoryStateTables(log, () => this.checkOpen());
  }

  async append(batch: AppendBatch): Promise<void> {
    this.checkOpen();
    const newSize = checkBatch(batch);
    const state = checkBatchState(batch, newSize);
    const log = this.log;
    if (log.size !== batch.expectedSize) throw new SizeConflictError(batch.expectedSize, log.size);
    if (batch.entries.length === 0 && log.checkpoints.length > 0)
      throw new SizeConflictError(batch.expectedSize, log.size);
    if (state && log.state.rebuild !== "in-step") throw new StateRebuildingError();
    // Checked, staged and applied within one turn of the event loop, so no other writer
    // interleaves; a fault while staging leaves the log as it was.
    const step = (name: MemoryAppendStep) => {
      try {
        log.faults?.(name);
      } catch (err) {
        throw new StoreUnavailableError(`store: memory append failed at ${name}`, { cause: err });
      }
    };
    step("entries");
    const entries = batch.entries.map(copy);
    step("tiles");
    const tiles = batch.tiles.map((t) => ({ level: t.level, index: t.index, width: t.width, data: copy(t.data) }));
    step("rows");
    const staged = state && log.state.stage(state);
    step("nodes");
    step("values");
    step("checkpoint");
    const checkpoint = { size: newSize, note: copy(batch.checkpoint) };

    for (const e of entries) log.entries.push(e);
    for (const t of tiles) {
      const key = tileKey(t.level, t.index);
      if ((log.tiles.get(key)?.width ?? 0) < t.width) log.tiles.set(key, t);
    }
    if (staged) log.state.apply(staged);
    log.checkpoints.push(checkpoint);
    for (const s of log.stores) s.waiters.notify(newSize);
  }

  async latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    this.checkOpen();
    const c = this.log.checkpoints.at(-1);
    return c && { size: c.size, note: copy(c.note) };
  }

  async updateCheckpointNote(size: number, note: Uint8Array): Promise<boolean> {
    this.checkOpen();
    checkCount("size", size);
    checkNote(note);
    const cps = this.log.checkpoints;
    if (cps.length === 0 || this.log.size !== size) return false;
    cps[cps.length - 1] = { size, note: copy(note) };
    return true;
  }

  async readEntries(start: number, end: number): Promise<Uint8Array[]> {
    this.checkOpen();
    checkEntryRange(start, end, this.log.size);
    return this.log.entries.slice(start, end).map(copy);
  }

  async readTile(level: number, index: number): Promise<TileWrite | undefined> {
    this.checkOpen();
    checkCount("level", level);
    checkCount("index", index);
    const t = this.log.tiles.get(tileKey(level, index));
    return t && { ...t, data: copy(t.data) };
  }

  async waitForGrowth(size: number, signal?: AbortSignal): Promise<number> {
    this.checkOpen();
    checkCount("size", size);
    return this.waiters.wait(size, this.log.size, signal);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.log.stores.delete(this);
    this.waiters.close(closedError());
  }

  private checkOpen(): void {
    if (this.closed) throw closedError();
  }
}

/** The state tables of a MemoryLog, as one store instance sees them. */
class MemoryStateTables implements StateTables {
  constructor(
    private readonly log: MemoryLog,
    private readonly checkOpen: () => void,
  ) {}

  async readState(table: StateTable, keys: readonly StateKey[]): Promise<StateRead> {
    this.checkOpen();
    const id = tableId(table);
    checkReadCount("keys", keys);
    const values = keys.map((k) => this.log.state.row(id, keyBytes(k))?.slice());
    return { size: this.log.size, values };
  }

  async scanState(table: StateTable, after: StateKey | undefined, limit: number): Promise<StateScan> {
    this.checkOpen();
    const id = tableId(table);
    checkScanLimit(limit);
    const from = after === undefined ? undefined : keyBytes(after);
    return { size: this.log.size, rows: this.log.state.scan(id, from, limit) };
  }

  async readMapNodes(paths: readonly Uint8Array[], atVersion: number): Promise<(Uint8Array | undefined)[]> {
    this.checkOpen();
    checkPaths(paths);
    checkCount("atVersion", atVersion);
    const data = this.log.state;
    if (atVersion < data.floor) throw new MapVersionPrunedError(atVersion, data.floor);
    return paths.map((p) => data.node(p, atVersion)?.slice());
  }

  async readMapValues(leaves: readonly MapLeaf[]): Promise<(Uint8Array | undefined)[]> {
    this.checkOpen();
    checkLeaves(leaves);
    return leaves.map((l) => this.log.state.value(l.key, l.hash)?.slice());
  }

  async pruneMap(floor: number): Promise<void> {
    this.checkOpen();
    checkCount("floor", floor);
    if (floor > this.log.size) throw new RangeError(`store: map floor ${floor} is past the tree size ${this.log.size}`);
    this.log.state.prune(floor);
  }

  async status(): Promise<StateStatus> {
    this.checkOpen();
    const data = this.log.state;
    return {
      size: this.log.size,
      rebuildNeeded: data.rebuild !== "in-step",
      mapFloor: data.floor,
      rebuildToken: data.rebuildToken,
      rebuildUnderWay: data.rebuild === "rebuilding",
      rebuildStepAgeMs: data.rebuildSteppedAt === undefined ? undefined : Date.now() - data.rebuildSteppedAt,
    };
  }

  async beginRebuild(expectedSize: number): Promise<RebuildToken> {
    this.guard(expectedSize);
    const data = this.log.state;
    data.clear();
    data.rebuild = "rebuilding";
    data.rebuildSteppedAt = Date.now();
    return ++data.rebuildToken as RebuildToken;
  }

  async writeRebuild(token: RebuildToken, expectedSize: number, part: StateWrite): Promise<void> {
    this.guardStep(token, expectedSize);
    const checked = checkStateWrite(part, 0, expectedSize);
    this.log.state.apply(this.log.state.stage(checked));
    this.log.state.rebuildSteppedAt = Date.now();
  }

  async finishRebuild(token: RebuildToken, expectedSize: number): Promise<void> {
    this.guardStep(token, expectedSize);
    this.log.state.rebuild = "in-step";
    this.log.state.floor = this.log.state.newestNodeVersion();
    this.log.state.rebuildSteppedAt = Date.now();
  }

  /** The guards of writeRebuild and finishRebuild, in the order the port gives them. */
  private guardStep(token: RebuildToken, expectedSize: number): void {
    this.checkOpen();
    checkRebuildToken(token);
    guardRebuildToken(token, this.log.state.rebuildToken);
    if (this.log.state.rebuild !== "rebuilding") throw notRebuilding();
    this.guard(expectedSize);
  }

  /** The compare-and-set of a rebuild step. */
  private guard(expectedSize: number): void {
    this.checkOpen();
    checkCount("expectedSize", expectedSize);
    if (this.log.size !== expectedSize) throw new SizeConflictError(expectedSize, this.log.size);
  }
}

const closedError = () => new StoreUnavailableError("store: the store is closed");

/** Opens a store on `log` (a new, empty one by default). */
export function openMemoryStore(log: MemoryLog = new MemoryLog()): LogStore {
  return new MemoryStore(log);
}
