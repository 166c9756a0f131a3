// The one bounded cache of the code base: values kept up to a byte budget, the least recently
// used evicted first. "Recently used" is approximated by a second chance (CLOCK): a hit only sets
// a flag, and the eviction hand gives a flagged entry one more round instead of evicting it.
// Moving an entry to the young end on every hit (delete + set) made lookups in a cache of
// hundreds of thousands of tiles several times slower, and hits are the common case.
// Portable (no Node built-ins): the tile reader runs in browsers too.

interface Slot<V> {
  readonly value: V;
  bytes: number;
  /** Read since the eviction hand last passed. */
  used: boolean;
}

export class ByteLru<K, V> {
  private readonly map = new Map<K, Slot<V>>();
  private total = 0;

  /**
   * `maxBytes` bounds the sum of sizeOf over the values kept; a value larger than it is never
   * kept. `sizeOf` is read when a value is set and when resized() is called for it.
   */
  constructor(
    readonly maxBytes: number,
    private readonly sizeOf: (value: V) => number,
  ) {
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0)
      throw new RangeError(`ByteLru: maxBytes ${maxBytes} is not a non-negative integer`);
  }

  /** Values kept now. */
  get size(): number {
    return this.map.size;
  }

  /** Bytes kept now (the sum of sizeOf over the values). */
  get bytes(): number {
    return this.total;
  }

  /** The value, now counted as recently used; undefined if absent. */
  get(key: K): V | undefined {
    const s = this.map.get(key);
    if (s === undefined) return undefined;
    s.used = true;
    return s.value;
  }

  /** The value, without counting a use. */
  peek(key: K): V | undefined {
    return this.map.get(key)?.value;
  }

  /** Keeps `value` under `key`, replacing any value there, and evicts down to the budget. */
  set(key: K, value: V): void {
    this.delete(key);
    const bytes = this.sizeOf(value);
    if (bytes > this.maxBytes) return;
    this.map.set(key, { value, bytes, used: false });
    this.total += bytes;
    this.evict();
  }

  /** `value`, kept under `key`, has changed size: its bytes are read again (if it is still kept). */
  resized(key: K, value: V): void {
    const s = this.map.get(key);
    if (s === undefined || s.value !== value) return;
    const bytes = this.sizeOf(value);
    this.total += bytes - s.bytes;
    s.bytes = bytes;
    if (bytes > this.maxBytes) this.delete(key);
    else this.evict();
  }

  delete(key: K): void {
    const s = this.map.get(key);
    if (s === undefined) return;
    this.map.delete(key);
    this.total -= s.bytes;
  }

  clear(): void {
    this.map.clear();
    this.total = 0;
  }

  private evict(): void {
    while (this.total > this.maxBytes) {
      // The oldest entry: evicted, or, if read since the hand last passed, moved to the young end.
      const [k, s] = this.map.entries().next().value as [K, Slot<V>];
      this.map.delete(k);
      if (s.used) {
        s.used = false;
        this.map.set(k, s);
      } else {
        this.total -= s.bytes;
      }
    }
  }
}
