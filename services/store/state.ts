// The state a store keeps beside the log (DESIGN.md, "State that outgrows memory"): the derived
// indexes the rules and reads need, the state map's nodes by version, and the map's leaf values.
// All of it is derived from the log and can be rebuilt by replaying it; it is written in the same
// atomic append as the batch it reflects (AppendBatch.state), so it always reflects exactly the
// committed tree size, whatever crashes.

/**
 * The derived tables, by id. The ids are stored: never renumber one, only add.
 * - label, product, manufacturer, issuer, category: one row per thing, keyed by its id;
 * - issuerKey: one row per issuer key;
 * - requestId: one row per request id seen (idempotent retries);
 * - labelEntry: one row per entry about a label (its entry indices, e.g. keyed by label and version);
 * - searchModel, searchName: what SearchLabels finds products by model and manufacturers by name
 *   with (services/reads/search-index.ts).
 * - stats: the statistics' counters (a few rows per issuer and week, services/stats/);
 * - statsBoundary: one row per label validity start or end the statistics have still to pass,
 *   keyed so that bytewise order is time order.
 * What a row's value holds is the writer's business: the store keeps bytes.
 */
export const STATE_TABLES = {
  label: 1,
  product: 2,
  manufacturer: 3,
  issuer: 4,
  issuerKey: 5,
  category: 6,
  requestId: 7,
  labelEntry: 8,
  searchModel: 9,
  searchName: 10,
  stats: 11,
  statsBoundary: 12,
} as const;

export type StateTable = keyof typeof STATE_TABLES;

/** A key of a derived table: bytes, or a string standing for its UTF-8 bytes (the same key). */
export type StateKey = string | Uint8Array;

/** Limits every backend applies (checks.ts): a write over one is refused as malformed. */
export const MAX_STATE_KEY_BYTES = 1024;
/** The largest row value or map value: a map value's own limit (MAX_MAP_VALUE_BYTES). */
export const MAX_STATE_VALUE_BYTES = 1024 * 1024;
/** The most keys, paths or hashes one read may ask for. */
export const MAX_STATE_READ = 65_536;
/** A stored map node: two children of at most a kind byte, a key and a value hash each. */
export const MAX_MAP_NODE_BYTES = 2 * (1 + 64);

/** A row to write; `value` null deletes the row (deleting a missing row is no error). */
export interface StateRowWrite {
  readonly table: StateTable;
  readonly key: StateKey;
  readonly value: Uint8Array | null;
}

/**
 * A map node written by the update of map version `version` (a commitment's size, so its own log
 * index). `path` is log/map's pathBytes of the position, `node` its encodeNode bytes.
 */
export interface MapNodeWrite {
  readonly path: Uint8Array;
  readonly version: number;
  readonly node: Uint8Array;
}

/**
 * A leaf value written by the update of map version `version`: the 32-byte map `key` it is the
 * value of, `hash` (the map hasher's digest of `value`, as the leaf commits to it) and the value.
 */
export interface MapValueWrite {
  readonly key: Uint8Array;
  readonly version: number;
  readonly hash: Uint8Array;
  readonly value: Uint8Array;
}

/** A leaf whose value is asked for: the 32-byte map key and the value's hash. */
export interface MapLeaf {
  readonly key: Uint8Array;
  readonly hash: Uint8Array;
}

/**
 * The state part of a write. Within one part a (table, key) appears at most once, as does a
 * (path, version) and a (key, version): a part that repeats one is malformed.
 */
export interface StateWrite {
  readonly rows?: readonly StateRowWrite[];
  readonly nodes?: readonly MapNodeWrite[];
  readonly values?: readonly MapValueWrite[];
}

/** Rows read, in the order of the keys asked, with the tree size they reflect. */
export interface StateRead {
  /** The committed tree size at the moment of the read (the rows are the state as of it). */
  readonly size: number;
  /** Each key's value, or undefined where there is no row. */
  readonly values: (Uint8Array | undefined)[];
}

/** A page of a table's rows in key order, with the tree size they reflect. */
export interface StateScan {
  /** The committed tree size at the moment of the read (the rows are the state as of it). */
  readonly size: number;
  /** Rows in ascending bytewise key order. Fewer than the limit asked: the table has no more. */
  readonly rows: { readonly key: Uint8Array; readonly value: Uint8Array }[];
}

export interface StateStatus {
  /** The committed tree size: the size the state reflects (when no rebuild is needed). */
  readonly size: number;
  /**
   * The tables do not reflect the log: they were created empty beside an existing log (an
   * upgrade from a layout without them), or a rebuild began and has not finished. Nothing in
   * them may be trusted until a rebuild finishes.
   */
  readonly rebuildNeeded: boolean;
  /** The oldest map version still readable (pruneMap). */
  readonly mapFloor: number;
  /** The newest rebuild begun on the store (its RebuildToken), finished or not; 0 before any. */
  readonly rebuildToken: number;
  /**
   * Whether a rebuild has begun and not finished (its process may have died since: see
   * rebuildStepAgeMs). False for tables merely marked as needing one (an upgrade's) or in step.
   */
  readonly rebuildUnderWay: boolean;
  /**
   * How many milliseconds ago the newest rebuild's last step (beginRebuild, writeRebuild,
   * finishRebuild) ran, measured by the store's own clock at both ends (never the caller's: the
   * clocks of two machines never meet), so that a process finding the tables marked can tell a
   * rebuild still under way (stepping) from one whose process died. Undefined when no step was
   * recorded: before any rebuild, or for a rebuild begun by a program that did not record them.
   */
  readonly rebuildStepAgeMs: number | undefined;
}

/**
 * Map versions read below the floor: their nodes or values may have been pruned. A RangeError,
 * as for any read outside what the store holds.
 */
export class MapVersionPrunedError extends RangeError {
  constructor(
    readonly version: number,
    readonly floor: number,
  ) {
    super(`store: map version ${version} is no longer kept (the oldest kept is ${floor})`);
    this.name = "MapVersionPrunedError";
  }
}

/**
 * The state tables of a store. Every call is one round trip; reads see one committed snapshot.
 * Errors are the log's: RangeError for bad arguments, InvalidWriteError for a malformed write
 * (nothing written), SizeConflictError for a lost compare-and-set (nothing written),
 * StoreUnavailableError for a store that failed or is closed (outcome of a write unknown).
 */
export interface StateTables {
  /** The values of `keys` in `table` (at most MAX_STATE_READ keys), as of one committed size. */
  readState(table: StateTable, keys: readonly StateKey[]): Promise<StateRead>;

  /**
   * The rows of `table` whose keys come after `after` in bytewise order (all when undefined), at
   * most `limit` of them (1..MAX_STATE_READ), in key order, as of one committed size: the way to
   * load a small table whole, or to walk a large one in pages (pass the last key seen). Pages of
   * one walk may reflect different sizes: a walk that must see one snapshot compares them.
   */
  scanState(table: StateTable, after: StateKey | undefined, limit: number): Promise<StateScan>;

  /**
   * For each path (pathBytes), the node written at the greatest version <= `atVersion`, or
   * undefined if none. Versions at or above the newest written read the newest. Rejects with
   * MapVersionPrunedError if `atVersion` is below the map floor.
   */
  readMapNodes(paths: readonly Uint8Array[], atVersion: number): Promise<(Uint8Array | undefined)[]>;

  /**
   * For each leaf (a map key and a value hash), a stored value of that key with that hash, or
   * undefined. Every value a leaf of any kept map version (>= the floor) holds is found; others
   * may be. Asking by key as well as hash lets a store find values by the key it keeps them
   * under, with no index by hash.
   */
  readMapValues(leaves: readonly MapLeaf[]): Promise<(Uint8Array | undefined)[]>;

  /**
   * Lets map versions below `floor` go: drops the node and value versions that no version from
   * `floor` on reads (each superseded at or below `floor` by a newer one at its position or key),
   * and raises the floor. Never changes what a read at or above the floor returns. A floor at or
   * below the current one does nothing; a floor above the tree size is a RangeError. Needs no
   * compare-and-set: it commutes with appends. Durable once it resolves.
   */
  pruneMap(floor: number): Promise<void>;

  /**
   * Whether the tables reflect the log, the size they reflect, the map floor, and the newest
   * rebuild's token and the age of its last step, as of one snapshot.
   */
  status(): Promise<StateStatus>;

  /**
   * A rebuild (`labelreg serve --rebuild`, or an upgrade) replays the log and rewrites every
   * derived table from it, in three steps, each guarded by the tree size like an append, so that
   * a rebuild never interleaves with an append: an append in between makes the next step reject
   * with SizeConflictError, and the tables stay marked rebuildNeeded until a rebuild at one
   * size runs through.
   *
   * Each step is also guarded by the rebuild's token, so that two rebuilds of one store (two
   * processes on one data directory or database, a promotion while an operator runs --rebuild)
   * never leave tables holding parts of both: a beginRebuild supersedes every rebuild begun before
   * it, whose later steps reject with RebuildSupersededError, writing nothing. So a rebuild that
   * finishes wrote every row, node and value the tables hold since its own beginRebuild, and no
   * other rebuild wrote any. Of rebuilds that overlap, only the last begun can finish.
   *
   * beginRebuild clears every row, node and value, sets the floor to 0 and marks rebuildNeeded,
   * all in one transaction; durable once it resolves. It resolves with the rebuild's token, which
   * the other two steps take. If the tree is no longer `expectedSize` it rejects with
   * SizeConflictError and changes nothing. While the tables are marked, append() refuses a batch
   * with a state part (StateRebuildingError).
   *
   * Every step records when it ran (status: rebuildStepAgeMs) in its own transaction, by the
   * store's clock. A rebuild that steps at least every few seconds (an empty writeRebuild part is
   * a step that writes nothing else: a heartbeat) is seen as alive by other processes, which wait
   * for it rather than supersede it, and learns early that it was superseded.
   */
  beginRebuild(expectedSize: number): Promise<RebuildToken>;

  /**
   * Writes one part of the rebuild `token` began (parts may be as small as memory wants, down to
   * an empty one: a heartbeat), all of it or none; durable once it resolves. Its map versions must be below `expectedSize`. Rejects,
   * writing nothing, with RebuildSupersededError (another beginRebuild ran since this rebuild's:
   * checked first, so that a superseded rebuild stops rather than starts over), InvalidWriteError
   * (a malformed part, no rebuild begun, or a token this store never gave) or SizeConflictError
   * (the tree is no longer `expectedSize`).
   */
  writeRebuild(token: RebuildToken, expectedSize: number, part: StateWrite): Promise<void>;

  /**
   * Ends the rebuild `token` began: the tables now reflect the log at `expectedSize`
   * (rebuildNeeded false), and the map floor is the newest map version the rebuild wrote (0 if
   * none): a rebuild writes the newest map only, so older versions must read as pruned, never as
   * an empty map. Durable once it resolves. Rejects like writeRebuild, changing nothing.
   */
  finishRebuild(token: RebuildToken, expectedSize: number): Promise<void>;
}

declare const rebuildTokenBrand: unique symbol;

/**
 * Which rebuild a step belongs to (StateTables.beginRebuild). A number from a counter each store
 * keeps beside the rebuild mark and raises in beginRebuild's own transaction: the step's check
 * is then one comparison under the lock the step already holds, a newer rebuild always holds a
 * greater token (so a refusal can say which is older), and nothing random has to be drawn or
 * stored. Branded so that a tree size is never passed in its place.
 */
export type RebuildToken = number & { readonly [rebuildTokenBrand]: true };
