// Leaf hash -> index, for inclusion proofs asked by leaf hash (RFC 6962's get-proof-by-hash).
//
// Decision: kept in memory, not stored. The log is append-only and its level-0 tiles already
// hold every leaf hash in order, so the index is derived state like the projections: built on
// first use from the tiles (about 4,000 tile reads per million entries) and extended as the log
// grows. Keys are the first 6 bytes of the hash as a number (48 bits), so a million entries
// cost roughly 50-60 MB of Map rather than the ~150 MB that hex-string keys would; every hit is
// confirmed against the full 32-byte hash from the tiles, so a prefix collision (rare: about
// n^2 / 2^49) only costs an extra read, never a wrong answer.
import { bytesEqual } from "../../log/bytes.js";
import type { Hash } from "../../log/hash.js";
import type { HashReader, SubtreeId } from "../../log/subtree.js";

/** Leaf hashes read per readHashes call while extending. */
const CHUNK = 8192;

function prefixKey(h: Hash): number {
  const low = ((h[2]! << 24) | (h[3]! << 16) | (h[4]! << 8) | h[5]!) >>> 0;
  return h[0]! * 2 ** 40 + h[1]! * 2 ** 32 + low;
}

export class LeafIndex {
  private readonly map = new Map<number, number | number[]>();
  private indexed = 0;
  private extending: Promise<void> = Promise.resolve();

  /** Leaves indexed so far. */
  get size(): number {
    return this.indexed;
  }

  /**
   * The smallest index < `size` whose leaf hash is `leafHash`, or undefined. `reader` must serve
   * the tree of at least `size` leaves (any HashReader over the log). Concurrent calls share one
   * extension.
   */
  async find(leafHash: Hash, size: number, reader: HashReader): Promise<number | undefined> {
    await this.extendTo(size, reader);
    const hit = this.map.get(prefixKey(leafHash));
    if (hit === undefined) return undefined;
    const candidates = (typeof hit === "number" ? [hit] : hit).filter((i) => i < size);
    if (candidates.length === 0) return undefined;
    const hashes = await reader.readHashes(candidates.map((index) => ({ level: 0, index })));
    for (let i = 0; i < candidates.length; i++) if (bytesEqual(hashes[i]!, leafHash)) return candidates[i];
    return undefined;
  }

  private extendTo(size: number, reader: HashReader): Promise<void> {
    const run = this.extending.then(async () => {
      while (this.indexed < size) {
        const start = this.indexed;
        const end = Math.min(size, start + CHUNK);
        const ids: SubtreeId[] = [];
        for (let i = start; i < end; i++) ids.push({ level: 0, index: i });
        const hashes = await reader.readHashes(ids);
        hashes.forEach((h, i) => this.add(prefixKey(h), start + i));
        this.indexed = end;
      }
    });
    // A failed read leaves the index as far as it got; the next call retries from there.
    this.extending = run.catch(() => undefined);
    return run;
  }

  private add(key: number, index: number): void {
    const old = this.map.get(key);
    if (old === undefined) this.map.set(key, index);
    else if (typeof old === "number") this.map.set(key, [old, index]);
    else old.push(index);
  }
}
