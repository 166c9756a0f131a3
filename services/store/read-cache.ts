// A bounded in-memory cache of committed log data in front of a remote store (PostgreSQL,
// KurrentDB), so that the read paths keep serving while the store is down or slow. Committed
// entries and full tiles never change, so serving them from memory is always right; a partial
// tile is read from the store first and served from memory only when the store fails (the view
// then serves the last state it had, whose tiles are no wider than what was cached).
//
// Filled by this process's own appends (write-through) and by every read (the followers of read
// replicas and standbys read each new entry as it commits), least recently used evicted first.
import { ByteLru } from "../../log/lru.js";
import { TILE_WIDTH } from "../../log/tile.js";
import { checkCount } from "./checks.js";
import {
  StoreUnavailableError,
  type AppendBatch,
  type LogStore,
  type StoredCheckpoint,
  type TileWrite,
} from "./port.js";
import type { StateTables } from "./state.js";

/** A remote store's read cache, unless `serve --read-cache-mb` says otherwise. */
export const DEFAULT_READ_CACHE_BYTES = 256 * 1024 * 1024;

export interface ReadCacheOptions {
  /** Bytes of entries and tiles kept (each counted with its overhead). DEFAULT_READ_CACHE_BYTES. */
  readonly maxBytes?: number;
}

/** An entry's bytes or a tile, as kept; keys "e<index>" and "t<level>/<index>". */
type Kept = { readonly entry: Uint8Array } | { readonly tile: TileWrite };
const KEPT_OVERHEAD = 64;
const entryKey = (index: number) => `e${index}`;
const tileKey = (level: number, index: number) => `t${level}/${index}`;

export class ReadCachedStore implements LogStore {
  /** Entries and tiles under one byte budget. */
  private readonly kept: ByteLru<string, Kept>;
  /** The largest committed size this process has seen: entries below it exist. */
  private committed = 0;
  private closed = false;

  /** Passed through uncached, where the inner store has it. */
  readonly countEntriesFrom?: (index: number) => Promise<number>;
  /** The inner store's state tables, uncached (caching them is the reads' business). */
  readonly state?: StateTables;

  constructor(
    readonly inner: LogStore,
    options: ReadCacheOptions = {},
  ) {
    this.kept = new ByteLru(
      options.maxBytes ?? DEFAULT_READ_CACHE_BYTES,
      (k) => KEPT_OVERHEAD + ("entry" in k ? k.entry.length : k.tile.data.length),
    );
    const count = inner.countEntriesFrom?.bind(inner);
    if (count) this.countEntriesFrom = count;
    if (inner.state) this.state = inner.state;
  }

  async append(batch: AppendBatch): Promise<void> {
    await this.inner.append(batch);
    batch.entries.forEach((e, i) => this.keepEntry(batch.expectedSize + i, e.slice()));
    for (const t of batch.tiles) this.keepTile({ ...t, data: t.data.slice() });
    this.saw(batch.expectedSize + batch.entries.length);
  }

  async latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    const cp = await this.inner.latestCheckpoint();
    if (cp) this.saw(cp.size);
    return cp;
  }

  updateCheckpointNote(size: number, note: Uint8Array): Promise<boolean> {
    return this.inner.updateCheckpointNote(size, note);
  }

  async readEntries(start: number, end: number): Promise<Uint8Array[]> {
    this.checkOpen();
    checkCount("start", start);
    checkCount("end", end);
    if (start < end && end <= this.committed) {
      const out: Uint8Array[] = [];
      for (let i = start; i < end; i++) {
        const hit = this.kept.get(entryKey(i));
        if (!hit || !("entry" in hit)) break;
        out.push(hit.entry.slice());
      }
      if (out.length === end - start) return out;
    }
    const read = await this.inner.readEntries(start, end);
    read.forEach((e, i) => this.keepEntry(start + i, e.slice()));
    this.saw(end);
    return read;
  }

  async readTile(level: number, index: number): Promise<TileWrite | undefined> {
    this.checkOpen();
    checkCount("level", level);
    checkCount("index", index);
    const cached = this.keptTile(level, index);
    if (cached?.width === TILE_WIDTH) return { ...cached, data: cached.data.slice() };
    try {
      const t = await this.inner.readTile(level, index);
      if (t) this.keepTile({ ...t, data: t.data.slice() });
      return t;
    } catch (e) {
      if (!(e instanceof StoreUnavailableError) || !cached || this.closed) throw e;
      // The store is down: the last version this process saw (callers cut it to their width).
      return { ...cached, data: cached.data.slice() };
    }
  }

  async waitForGrowth(size: number, signal?: AbortSignal): Promise<number> {
    const grown = await this.inner.waitForGrowth(size, signal);
    this.saw(grown);
    return grown;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.inner.close();
  }

  private checkOpen(): void {
    if (this.closed) throw new StoreUnavailableError("store: closed");
  }

  private saw(size: number): void {
    if (size > this.committed) this.committed = size;
  }

  private keepEntry(index: number, entry: Uint8Array): void {
    this.kept.set(entryKey(index), { entry });
  }

  private keptTile(level: number, index: number): TileWrite | undefined {
    const k = this.kept.get(tileKey(level, index));
    return k && "tile" in k ? k.tile : undefined;
  }

  private keepTile(tile: TileWrite): void {
    const have = this.keptTile(tile.level, tile.index);
    if (have && have.width >= tile.width) return;
    this.kept.set(tileKey(tile.level, tile.index), { tile });
  }
}

/** `inner` behind a read cache (see ReadCachedStore). */
export function withReadCache(inner: LogStore, options?: ReadCacheOptions): ReadCachedStore {
  return new ReadCachedStore(inner, options);
}
