// Where the gateway reads the log from: a LogStore directly (a standalone gateway, an auditor's
// test server), or the registry's LogView (the gateway inside the registry process, which holds
// the latest checkpoint in memory). Tiles and entries always come from the store.

import { utf8 } from "../../log/bytes.js";
import type { LogView } from "../../services/readmodel/log-view.js";
import type { LogStore, StoredCheckpoint, TileWrite } from "../../services/store/port.js";

/** A checkpoint as /checkpoint serves it. */
export interface PublishedCheckpoint extends StoredCheckpoint {
  /** Set when a newer checkpoint of this size exists but still awaits its witnesses' cosignatures. */
  readonly pendingSize?: number;
}

export interface LogSource {
  /**
   * The latest checkpoint as published (note bytes, with any cosignatures) and its size;
   * undefined for an empty log. May lag the store by up to the source's refresh interval.
   */
  checkpoint(): Promise<PublishedCheckpoint | undefined>;
  /** Like checkpoint(), but not older than the call: for deciding that a resource does not exist. */
  freshCheckpoint(): Promise<StoredCheckpoint | undefined>;
  /** The widest stored version of a hash tile (see LogStore.readTile). */
  readTile(level: number, index: number): Promise<TileWrite | undefined>;
  /** Entries [start, end) of the committed log; RangeError beyond the tree. */
  readEntries(start: number, end: number): Promise<Uint8Array[]>;
}

/**
 * A source over a store. The checkpoint is re-read at most every `checkpointTtlMs` (and one read
 * at a time serves every request waiting for it), so a burst of /checkpoint requests costs the
 * store one query.
 */
export function storeLogSource(store: LogStore, checkpointTtlMs = 500): LogSource {
  const cp = cachedCheckpoint(() => store.latestCheckpoint(), checkpointTtlMs);
  return {
    ...cp,
    readTile: (level, index) => store.readTile(level, index),
    readEntries: (start, end) => store.readEntries(start, end),
  };
}

/**
 * checkpoint() and freshCheckpoint() over a reader: re-read at most every `ttlMs`, one read at a
 * time for every request waiting on it.
 */
export function cachedCheckpoint<T extends StoredCheckpoint>(
  latest: () => Promise<T | undefined>,
  ttlMs: number,
): { checkpoint(): Promise<T | undefined>; freshCheckpoint(): Promise<T | undefined> } {
  let cached: { at: number; value: T | undefined } | undefined;
  let inFlight: Promise<T | undefined> | undefined;
  const read = (): Promise<T | undefined> => {
    inFlight ??= latest().then(
      (value) => {
        cached = { at: Date.now(), value };
        inFlight = undefined;
        return value;
      },
      (e: unknown) => {
        inFlight = undefined;
        throw e;
      },
    );
    return inFlight;
  };
  return {
    checkpoint: () => (cached && Date.now() - cached.at < ttlMs ? Promise.resolve(cached.value) : read()),
    freshCheckpoint: read,
  };
}

/**
 * A source over the registry's committed view: the checkpoint comes from memory, always current.
 * While the latest checkpoint awaits the cosignatures its witness policy requires, checkpoint()
 * is the newest one that has them, naming the latest as pending; freshCheckpoint() the latest.
 */
export function viewLogSource(view: LogView): LogSource {
  let note = "";
  let bytes: Uint8Array = new Uint8Array(0);
  const current = (): Promise<StoredCheckpoint | undefined> => {
    if (view.checkpoint === "") return Promise.resolve(undefined);
    if (view.checkpoint !== note) {
      note = view.checkpoint;
      bytes = utf8(note);
    }
    return Promise.resolve({ size: view.size, note: bytes });
  };
  let witnessedNote = "";
  let witnessedBytes: Uint8Array = new Uint8Array(0);
  const published = (): Promise<PublishedCheckpoint | undefined> => {
    const w = view.witnessed;
    if (!w || w.tree.size >= view.size) return current();
    if (w.checkpoint !== witnessedNote) {
      witnessedNote = w.checkpoint;
      witnessedBytes = utf8(witnessedNote);
    }
    return Promise.resolve({ size: w.tree.size, note: witnessedBytes, pendingSize: view.size });
  };
  return {
    checkpoint: published,
    freshCheckpoint: current,
    readTile: (level, index) => view.store.readTile(level, index),
    readEntries: (start, end) => view.store.readEntries(start, end),
  };
}
