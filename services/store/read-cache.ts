// A bounded in-memory cache of committed log data in front of a remote store (PostgreSQL,
// KurrentDB), so that the read paths keep serving while the store is down or slow. Committed
// entries and full tiles never change, so serving them from memory is always right; a partial
// tile is read from the store first and served from memory only when the store fails (the view
// then serves the last state it had, whose tiles are no wider than what was cached).
//
// Filled by this process's own appends (write-through) and by every read (the followers of read
// replicas and standbys read each new entry as it commits), least recently used evicted first.
import { checkCount } from "./checks.js";
import { StoreUnavailableError, type AppendBatch, type LogStore, type StoredCheckpoint, type TileWrite } from "./port.js";

export interface ReadCacheOptions {
  /** Bytes of entries and tiles kept. Default 256 MiB. */
  readonly maxBytes?: number;
}

const FULL = 256;
const tileKey = (level: number, index: number) => `${level}/${index}`;

/** Bounded LRU of byte strings (Map iteration order is insertion order: re-insert on use). */
class Lru<K, V extends { readonly bytes: number }> {
  private readonly map = new Map<K, V>();
  private used = 0;
  constructor(private readonly budget: () => number, private readonly share: (used: number) => void) {}

  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: K, value: V): void {
    const old = this.map.get(key);
    if (old) {
      this.used -= old.bytes;
      this.map.delete(key);
    }
    this.map.set(key, value);
    this.used += value.bytes;
    this.share(this.used);
    while (this.budget() < 0 && this.map.size > 0) {
      const [k, v] = this.map.entries().next().value as [K, V];
      this.map.delete(k);
      this.used -= v.bytes;
      this.share(this.used);
    }
  }
}

export class ReadCachedStore implements LogStore {
  private readonly maxBytes: number;
  private entryBytes = 0;
  private tileBytes = 0;
  private readonly entries = new Lru<number, { data: Uint8Array; bytes: number }>(
    () => this.maxBytes - this.entryBytes - this.tileBytes,
    (u) => (this.entryBytes = u),
  );
  private readonly tiles = new Lru<string, { tile: TileWrite; bytes: number }>(
    () => this.maxBytes - this.entryBytes - this.tileBytes,
    (u) => (this.tileBytes = u),
  );
  /** The largest committed size this process has seen: entries below it exist. */
  private committed = 0;
  private closed = false;

  /** Passed through uncached, where the inner store has it. */
  readonly countEntriesFrom?: (index: number) => Promise<number>;

  constructor(
    readonly inner: LogStore,
    options: ReadCacheOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
    const count = inner.countEntriesFrom?.bind(inner);
    if (count) this.countEntriesFrom = count;
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
        const hit = this.entries.get(i);
        if (!hit) break;
        out.push(hit.data.slice());
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
    const cached = this.tiles.get(tileKey(level, index))?.tile;
    if (cached?.width === FULL) return { ...cached, data: cached.data.slice() };
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

  private keepEntry(index: number, data: Uint8Array): void {
    this.entries.set(index, { data, bytes: data.length + 64 });
  }

  private keepTile(tile: TileWrite): void {
    const key = tileKey(tile.level, tile.index);
    const have = this.tiles.get(key)?.tile;
    if (have && have.width >= tile.width) return;
    this.tiles.set(key, { tile, bytes: tile.data.length + 64 });
  }
}

/** `inner` behind a read cache (see ReadCachedStore). */
export function withReadCache(inner: LogStore, options?: ReadCacheOptions): ReadCachedStore {
  return new ReadCachedStore(inner, options);
}
