// The hashes behind one batch's receipts. A batch of b consecutive new entries needs b inclusion
// proofs in the same tree, and they overlap: every proof takes the same few subtrees above the
// batch, and neighbours share most of theirs below. Reading each proof's hashes through the tile
// reader costs a tile lookup and a copy per hash, ~17 per proof; remembering what this batch has
// read turns most of those into one map lookup.
import type { Hash } from "../../log/hash.js";
import type { HashReader, SubtreeId } from "../../log/subtree.js";

/** Subtree (level, index) as one number: levels stay below 64, indices below 2^47. */
const keyOf = (id: SubtreeId) => id.index * 64 + id.level;

/**
 * A HashReader over `inner` (the reader of one tree state) that reads each subtree at most once.
 * The hashes it returns are shared by every caller that asked for the same subtree: read-only.
 */
export class BatchHashReader implements HashReader {
  private readonly known = new Map<number, Hash>();

  constructor(private readonly inner: HashReader) {}

  async readHashes(ids: readonly SubtreeId[]): Promise<Hash[]> {
    const out = new Array<Hash>(ids.length);
    // Subtrees not known yet, each once (a call may name one twice), and where each goes in `out`.
    let missing: Map<number, { readonly id: SubtreeId; readonly at: number[] }> | undefined;
    for (let i = 0; i < ids.length; i++) {
      const key = keyOf(ids[i]!);
      const h = this.known.get(key);
      if (h !== undefined) out[i] = h;
      else {
        const m = (missing ??= new Map()).get(key);
        if (m) m.at.push(i);
        else missing.set(key, { id: ids[i]!, at: [i] });
      }
    }
    if (missing !== undefined) {
      const wanted = [...missing.values()];
      const read = await this.inner.readHashes(wanted.map((w) => w.id));
      if (read.length !== wanted.length)
        throw new Error(`hash reader returned ${read.length} hashes for ${wanted.length} subtrees`);
      wanted.forEach((w, j) => {
        this.known.set(keyOf(w.id), read[j]!);
        for (const i of w.at) out[i] = read[j]!;
      });
    }
    return out;
  }
}
