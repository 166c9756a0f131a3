// One full pass over a stored log: the latest checkpoint's signature, every entry re-hashed,
// every hash tile inside the tree compared, the root recomputed and, given the authority's key,
// the state map recomputed and every map commitment entry checked against it (map-check.ts).
// `labelreg fsck` runs it once; the scrub (scrub.ts) runs it over and over at a low pace beside
// a serving registry.
import { emptyTreeState } from "../../log/tree-state.js";
import type { NoteVerifier } from "../../log/note.js";
import type { LogStore } from "../store/port.js";
import { ReadCachedStore } from "../store/read-cache.js";
import { MapCheck } from "./map-check.js";
import { verifyStoredCheckpoint } from "./checkpoint-check.js";
import { TreeCheck } from "./tree-check.js";

export interface CheckLogOptions {
  /** The log's verifier: the stored checkpoint must carry its signature. */
  readonly log: NoteVerifier;
  /** Entries read and checked per step. */
  readonly chunk?: number;
  /** Awaited between steps (pacing, yielding to other work); may throw to stop the pass. */
  readonly between?: (checked: number, total: number) => Promise<void> | void;
  readonly signal?: AbortSignal;
  /**
   * The authority's public key, which the projections the map is computed from are rooted at:
   * given, every map commitment entry is recomputed and checked as the pass reaches it.
   */
  readonly authorityPublicKey?: Uint8Array;
}

export interface CheckLogReport {
  /** Size of the checkpoint checked against (0 for an empty log). */
  readonly size: number;
  readonly entriesChecked: number;
  /** True if the pass stopped early (signal). */
  readonly aborted: boolean;
}

/** Checks the whole stored log; throws IntegrityError naming the first problem found. */
export async function checkStoredLog(store: LogStore, opts: CheckLogOptions): Promise<CheckLogReport> {
  const latest = await store.latestCheckpoint();
  if (!latest) return { size: 0, entriesChecked: 0, aborted: false };
  const checkpoint = verifyStoredCheckpoint(latest, opts.log);
  const check = new TreeCheck(emptyTreeState(), store);
  const map = opts.authorityPublicKey && new MapCheck(opts.authorityPublicKey);
  const chunk = opts.chunk ?? 4096;
  for (let start = 0; start < checkpoint.size; start += chunk) {
    if (opts.signal?.aborted) return { size: checkpoint.size, entriesChecked: start, aborted: true };
    const entries = await store.readEntries(start, Math.min(checkpoint.size, start + chunk));
    // Hashed first: an entry the tree does not vouch for is a tree mismatch, whatever it commits.
    await check.extend(entries);
    map?.extend(entries);
    await opts.between?.(check.state.size, checkpoint.size);
  }
  check.expectRoot(checkpoint.size, checkpoint.root, `the checkpoint of size ${checkpoint.size}`);
  return { size: checkpoint.size, entriesChecked: checkpoint.size, aborted: false };
}

/** The store itself, not a read cache in front of it: a check must read what is stored now. */
export function uncached(store: LogStore): LogStore {
  return store instanceof ReadCachedStore ? store.inner : store;
}
