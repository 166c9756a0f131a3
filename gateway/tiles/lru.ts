// A least-recently-used cache bounded by the bytes of its values. Only immutable resources go
// in (full tiles and full entry bundles never change), so there is nothing to invalidate.

export class ByteLru<K, V extends { readonly byteLength: number }> {
  private readonly map = new Map<K, V>();
  private bytes = 0;

  /** `maxBytes` bounds the sum of the values' byteLength; a value larger than it is never kept. */
  constructor(readonly maxBytes: number) {
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new RangeError(`lru: maxBytes ${maxBytes} is not a non-negative integer`);
  }

  get size(): number {
    return this.map.size;
  }

  get byteLength(): number {
    return this.bytes;
  }

  /** The value, now the most recently used; undefined if absent. */
  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v === undefined) return undefined;
    // Map iteration order is insertion order: re-inserting moves the key to the young end.
    this.map.delete(key);
    this.map.set(key, v);
    return v;
  }

  set(key: K, value: V): void {
    const old = this.map.get(key);
    if (old !== undefined) {
      this.map.delete(key);
      this.bytes -= old.byteLength;
    }
    if (value.byteLength > this.maxBytes) return;
    this.map.set(key, value);
    this.bytes += value.byteLength;
    for (const [k, v] of this.map) {
      if (this.bytes <= this.maxBytes) break;
      this.map.delete(k);
      this.bytes -= v.byteLength;
    }
  }
}
