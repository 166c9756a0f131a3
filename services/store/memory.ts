// The in-memory LogStore, for unit tests and tools: the same contract as the durable stores, with
// "durable" meaning "kept in the MemoryLog for as long as the process holds it".
import { checkBatch, checkCount, checkEntryRange, checkNote } from "./checks.js";
import { GrowthWaiters } from "./growth.js";
import {
  SizeConflictError,
  StoreUnavailableError,
  type AppendBatch,
  type LogStore,
  type StoredCheckpoint,
  type TileWrite,
} from "./port.js";

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

  get size(): number {
    return this.checkpoints.at(-1)?.size ?? 0;
  }
}

const tileKey = (level: number, index: number) => `${level}/${index}`;
const copy = (b: Uint8Array) => b.slice();

class MemoryStore implements LogStore {
  private readonly waiters = new GrowthWaiters();
  private closed = false;

  constructor(private readonly log: MemoryLog) {
    log.stores.add(this);
  }

  async append(batch: AppendBatch): Promise<void> {
    this.checkOpen();
    const newSize = checkBatch(batch);
    const log = this.log;
    if (log.size !== batch.expectedSize) throw new SizeConflictError(batch.expectedSize, log.size);
    if (batch.entries.length === 0 && log.checkpoints.length > 0)
      throw new SizeConflictError(batch.expectedSize, log.size);
    // Checked and applied within one turn of the event loop, so no other writer interleaves.
    for (const e of batch.entries) log.entries.push(copy(e));
    for (const t of batch.tiles) {
      const key = tileKey(t.level, t.index);
      if ((log.tiles.get(key)?.width ?? 0) < t.width) {
        log.tiles.set(key, { level: t.level, index: t.index, width: t.width, data: copy(t.data) });
      }
    }
    log.checkpoints.push({ size: newSize, note: copy(batch.checkpoint) });
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

const closedError = () => new StoreUnavailableError("store: the store is closed");

/** Opens a store on `log` (a new, empty one by default). */
export function openMemoryStore(log: MemoryLog = new MemoryLog()): LogStore {
  return new MemoryStore(log);
}
