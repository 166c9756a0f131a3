// The committed log as one process sees it: the projected state, the tree's right edge and the
// latest checkpoint, kept equal to a prefix of the store. `catchUp` extends it from the store;
// the sequencer extends it after each commit; read replicas only ever catch up.
import { fromUtf8, utf8 } from "../../log/bytes.js";
import { parseCheckpoint } from "../../log/checkpoint.js";
import { parseSignedNote } from "../../log/note.js";
import { TileCache, TileHashReader } from "../../log/tile-reader.js";
import { TILE_WIDTH, type TileFetcher } from "../../log/tile.js";
import { emptyTreeState, loadTreeState, type TreeState } from "../../log/tree-state.js";
import { apply } from "../domain/apply.js";
import { decodeLogEntryFast } from "../domain/entry-wire.js";
import { RegistryState } from "../domain/state.js";
import { isViolation } from "../domain/violation.js";
import type { LogStore } from "../store/port.js";

/** Tile cache of a registry: enough for the whole tree of ~8 million entries. */
export const DEFAULT_TILE_CACHE_BYTES = 512 * 1024 * 1024;

/** Entries read per store call while catching up. */
const CATCH_UP_CHUNK = 4096;

export class LogView {
  /** The projections: labels, products, issuers, catalogue, request ids. Committed state only. */
  readonly state: RegistryState;
  /** Right edge of the tree of size `tree.size` (== state.size). */
  tree: TreeState;
  /** The latest signed checkpoint note (text), "" for an empty log. */
  checkpoint = "";
  /** Sequencing time of the newest entry: the next must not be earlier. */
  lastSequencedAt = 0n;
  readonly tileCache: TileCache;
  private readonly listeners = new Set<(size: number) => void>();

  constructor(
    readonly store: LogStore,
    authorityPublicKey: Uint8Array,
    // Proofs for random old entries touch a cold tile each (255 hashes to warm it), so the cache
    // must hold the tree's tiles: about 64 bytes per entry once hashed up (bench:log, bench:verify).
    tileCacheBytes = DEFAULT_TILE_CACHE_BYTES,
  ) {
    this.state = new RegistryState(authorityPublicKey);
    this.tree = emptyTreeState();
    this.tileCache = new TileCache(tileCacheBytes);
  }

  get size(): number {
    return this.tree.size;
  }

  /**
   * Brings the view up to the store's latest checkpoint: applies the new entries to the
   * projections and reloads the right edge, checked against the checkpoint's root. Entries are
   * trusted (this process or its peers sequenced them after check()); the auditor is the one
   * that rechecks every rule.
   */
  async catchUp(): Promise<number> {
    const latest = await this.store.latestCheckpoint();
    if (!latest || latest.size <= this.size) {
      if (latest && latest.size === this.size) this.checkpoint = fromUtf8(latest.note);
      return this.size;
    }
    const initial = this.size === 0;
    const note = fromUtf8(latest.note);
    const cp = parseCheckpoint(parseSignedNote(note).text);
    if (cp.size !== latest.size) throw new Error(`store: checkpoint note says size ${cp.size}, store says ${latest.size}`);
    for (let start = this.size; start < latest.size; start += CATCH_UP_CHUNK) {
      const end = Math.min(latest.size, start + CATCH_UP_CHUNK);
      const entries = await this.store.readEntries(start, end);
      entries.forEach((bytes, i) => {
        const e = decodeLogEntryFast(bytes);
        if (isViolation(e)) throw new Error(`store: entry ${start + i} does not decode: ${e.message}`);
        apply(this.state, e, start + i);
        if (e.sequencedAtUnix > this.lastSequencedAt) this.lastSequencedAt = e.sequencedAtUnix;
      });
    }
    this.tree = await loadTreeState(latest.size, this.storeFetcher(), { expectedRoot: cp.root });
    this.checkpoint = note;
    // The first catch-up (a process starting on an existing log) warms the tiles before anyone
    // reads: warmed in the background under load, every request for an old entry paid for a
    // cold tile until the warming reached it, for tens of seconds at 10^6 entries (bench:verify).
    // About 1.4 µs per entry, a few per cent of the replay above.
    if (initial) await this.warmTiles(undefined, false);
    this.notify();
    return this.size;
  }

  /**
   * Loads and hashes up the full level-0 tiles, newest first, while the cache has room for them
   * (at most three quarters of it), so that proofs for old entries do not each pay for a cold tile
   * (255 hashes) after a restart. In the background (the default) it yields one tile per
   * event-loop turn; either way it stops at the first error: it is an optimisation, never a
   * source of truth. Tiles already warm cost a map lookup each.
   */
  async warmTiles(signal?: AbortSignal, background = true): Promise<number> {
    const fullTiles = Math.floor(this.size / TILE_WIDTH);
    const budget = this.tileCache.maxBytes * 0.75;
    let warmed = 0;
    try {
      for (let t = fullTiles - 1; t >= 0 && !signal?.aborted && this.tileCache.bytes < budget; t--) {
        // A level-7 hash inside tile t makes the reader hash up all of its levels once.
        await this.hashReader().readHashes([{ level: 7, index: 2 * t }]);
        warmed++;
        if (background) await new Promise<void>((r) => setImmediate(r));
      }
    } catch {
      // Proofs will load what they need on demand.
    }
    return warmed;
  }

  /** Records a commit made by this process: the state was already applied by the caller. */
  advance(tree: TreeState, checkpoint: string, lastSequencedAt: bigint): void {
    this.tree = tree;
    this.checkpoint = checkpoint;
    if (lastSequencedAt > this.lastSequencedAt) this.lastSequencedAt = lastSequencedAt;
    this.notify();
  }

  /**
   * Set when witnesses are configured (services/sequencer/witnessing.ts): after each commit the
   * sequencer awaits it before answering, and hands out the note it resolves to. Never rejects.
   */
  cosign: ((c: { tree: TreeState; checkpoint: string }) => Promise<string>) | undefined;

  /**
   * Set by witnessing while the latest checkpoint lacks the cosignatures its policy requires: the
   * newest earlier checkpoint that has them, with its tree, so public reads can answer from it
   * (services/reads/snapshot.ts). Undefined when the latest meets the policy, or none ever did.
   */
  witnessed: { readonly tree: TreeState; readonly checkpoint: string } | undefined;

  /** Replaces the latest checkpoint note by a cosigned one of the same size. */
  setCheckpointNote(note: string): void {
    this.checkpoint = note;
  }

  /** Calls `fn` with the new size after every advance; returns the unsubscribe function. */
  onAdvance(fn: (size: number) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private notify(): void {
    for (const l of this.listeners) l(this.size);
  }

  /** Tile bytes from the store, cut to the width asked for (stores keep the widest version). */
  storeFetcher(): TileFetcher {
    return async (level, index, width) => {
      const t = await this.store.readTile(level, index);
      if (!t || t.width < width) throw new Error(`store: tile ${level}/${index} of width ${width} is missing`);
      return t.width === width ? t.data : t.data.subarray(0, width * 32);
    };
  }

  /**
   * A hash reader for the tree of `tree.size`: partial tiles of the right edge from memory, full
   * tiles from the shared cache or the store.
   */
  hashReader(tree: TreeState = this.tree): TileHashReader {
    // One reader per tree state, shared by every read at that size: proofs from one reader reuse
    // the right-edge hashes they have combined (log/prove.ts), and its edge tiles stay loaded.
    if (this.lastReader?.tree === tree) return this.lastReader.reader;
    const reader = this.newHashReader(tree);
    this.lastReader = { tree, reader };
    return reader;
  }

  private lastReader: { tree: TreeState; reader: TileHashReader } | undefined;

  private newHashReader(tree: TreeState): TileHashReader {
    const store = this.storeFetcher();
    const fetch: TileFetcher = (level, index, width) => {
      const edge = tree.edge[level];
      if (edge && width < TILE_WIDTH && index === Math.floor(tree.size / TILE_WIDTH ** (level + 1)) && edge.length >= width * 32) {
        return Promise.resolve(edge.subarray(0, width * 32));
      }
      return store(level, index, width);
    };
    return new TileHashReader(tree.size, fetch, { cache: this.tileCache });
  }
}

/** The checkpoint note as stored bytes. */
export function noteBytes(note: string): Uint8Array {
  return utf8(note);
}

