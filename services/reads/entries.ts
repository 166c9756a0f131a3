// Entries with inclusion proofs, read from the store at a snapshot. Context entries (issuer and
// catalogue entries that many labels rely on) are cached per snapshot size: under a steady
// checkpoint, every bundle of an issuer shares them.
import { proveInclusions } from "../../log/prove.js";
import type { ProvenEntry } from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import type { LogView } from "../readmodel/log-view.js";
import type { Snapshot } from "./snapshot.js";

/** Context entry sets kept per snapshot (one per issuer and category pair). */
const MAX_CACHED_CONTEXTS = 4096;

export class ProvenEntries {
  private cacheSize = -1;
  private readonly proven = new Map<number, ProvenEntry>();
  readonly contexts = new Map<string, readonly ProvenEntry[]>();

  constructor(private readonly view: LogView) {}

  /** Entries at `indices` (each < snap.size), with proofs in the tree of snap.size, in the order given. */
  async read(snap: Snapshot, indices: readonly number[], cache = false): Promise<ProvenEntry[]> {
    if (cache && snap.size !== this.cacheSize) {
      if (snap.size < this.cacheSize) cache = false;
      else {
        this.cacheSize = snap.size;
        this.proven.clear();
        this.contexts.clear();
      }
    }
    const out: (ProvenEntry | undefined)[] = indices.map((i) => (cache ? this.proven.get(i) : undefined));
    const todo = indices.filter((_, k) => out[k] === undefined);
    if (todo.length === 0) return out as ProvenEntry[];
    const reader = this.view.hashReader(snap.tree);
    const [bytes, proofs] = await Promise.all([this.readBytes(todo), proveInclusions(reader, todo, snap.size)]);
    for (let k = 0, t = 0; k < indices.length; k++) {
      if (out[k] !== undefined) continue;
      const i = indices[k]!;
      // proveInclusions' proofs may share hashes; nothing here or in the encoders writes to them.
      const p: ProvenEntry = { index: BigInt(i), entry: bytes.get(i)!, inclusionProof: proofs[t++]! };
      if (cache) this.proven.set(i, p);
      out[k] = p;
    }
    return out as ProvenEntry[];
  }

  /**
   * The entries at `indices`, one store call per run of consecutive indices (a label's entries
   * often follow each other: issued, then changed within the same batch).
   */
  private async readBytes(indices: readonly number[]): Promise<Map<number, Uint8Array>> {
    const sorted = [...new Set(indices)].sort((a, b) => a - b);
    const runs: [number, number][] = [];
    for (const i of sorted) {
      const last = runs[runs.length - 1];
      if (last && last[1] === i) last[1] = i + 1;
      else runs.push([i, i + 1]);
    }
    const got = await Promise.all(runs.map(([start, end]) => this.view.store.readEntries(start, end)));
    const out = new Map<number, Uint8Array>();
    runs.forEach(([start], r) => got[r]!.forEach((e, k) => out.set(start + k, e)));
    return out;
  }

  /** A cached context for `key` at this snapshot, or the result of `build` (then cached). */
  async context(
    snap: Snapshot,
    key: string,
    build: () => Promise<readonly ProvenEntry[]>,
  ): Promise<readonly ProvenEntry[]> {
    if (snap.size === this.cacheSize) {
      const hit = this.contexts.get(key);
      if (hit) return hit;
    }
    const built = await build();
    if (snap.size === this.cacheSize) {
      if (this.contexts.size >= MAX_CACHED_CONTEXTS) this.contexts.clear();
      this.contexts.set(key, built);
    }
    return built;
  }
}
