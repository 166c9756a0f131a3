// Entries with inclusion proofs, read from the store at a snapshot. Context entries (issuer and
// catalogue entries that many labels rely on) are cached per snapshot size: under a steady
// checkpoint, every bundle of an issuer shares them.
import type { Hash } from "../../log/hash.js";
import { proveInclusion } from "../../log/prove.js";
import type { ProvenEntry } from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import type { LogView } from "../sequencer/log-view.js";
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
    const reader = this.view.hashReader(snap.tree);
    return Promise.all(
      indices.map(async (i) => {
        const hit = cache ? this.proven.get(i) : undefined;
        if (hit) return hit;
        const [entry, proof] = await Promise.all([this.view.store.readEntries(i, i + 1), proveInclusion(this.view.hasher, reader, i, snap.size)]);
        const p: ProvenEntry = { index: BigInt(i), entry: entry[0]!, inclusionProof: proof as Hash[] };
        if (cache) this.proven.set(i, p);
        return p;
      }),
    );
  }

  /** A cached context for `key` at this snapshot, or the result of `build` (then cached). */
  async context(snap: Snapshot, key: string, build: () => Promise<readonly ProvenEntry[]>): Promise<readonly ProvenEntry[]> {
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
