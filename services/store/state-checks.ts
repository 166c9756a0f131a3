// Argument checks of the state tables (state.ts) that every backend applies the same way, before
// touching its data, and the one normalised form the backends write: table ids and key bytes.
import { toHex, utf8 } from "../../log/bytes.js";
import { HASH_SIZE } from "../../log/hash.js";
import { InvalidWriteError, RebuildSupersededError } from "./port.js";
import {
  MAX_MAP_NODE_BYTES,
  MAX_STATE_KEY_BYTES,
  MAX_STATE_READ,
  MAX_STATE_VALUE_BYTES,
  STATE_TABLES,
  type MapLeaf,
  type MapNodeWrite,
  type MapValueWrite,
  type RebuildToken,
  type StateKey,
  type StateTable,
  type StateWrite,
} from "./state.js";

/** A row as stored: the table's id, the key's bytes, the value or null (delete). */
export interface StoredRow {
  readonly table: number;
  readonly key: Uint8Array;
  readonly value: Uint8Array | null;
}

/** A state part after checkStateWrite: rows normalised, nodes and values as given. */
export interface CheckedState {
  readonly rows: readonly StoredRow[];
  readonly nodes: readonly MapNodeWrite[];
  readonly values: readonly MapValueWrite[];
}

const isBytes = (b: unknown): b is Uint8Array => b instanceof Uint8Array;

/** The id of `table`; RangeError (reads) unless it is one of STATE_TABLES. */
export function tableId(table: StateTable): number {
  const id = Object.hasOwn(STATE_TABLES, table) ? STATE_TABLES[table] : undefined;
  if (id === undefined) throw new RangeError(`store: no state table ${JSON.stringify(table)}`);
  return id;
}

/** A key's bytes; RangeError unless it is a string or bytes of at most MAX_STATE_KEY_BYTES. */
export function keyBytes(key: StateKey): Uint8Array {
  const b = typeof key === "string" ? utf8(key) : key;
  if (!isBytes(b)) throw new RangeError("store: a state key must be a string or bytes");
  if (b.length > MAX_STATE_KEY_BYTES)
    throw new RangeError(`store: a state key of ${b.length} bytes is over ${MAX_STATE_KEY_BYTES}`);
  return b;
}

/** RangeError unless `list` is an array of at most MAX_STATE_READ items. */
export function checkReadCount(what: string, list: readonly unknown[]): void {
  if (!Array.isArray(list)) throw new RangeError(`store: ${what} must be an array`);
  if (list.length > MAX_STATE_READ)
    throw new RangeError(`store: ${list.length} ${what} in one read, over ${MAX_STATE_READ}`);
}

/** A scan's limit: a whole number from 1 to MAX_STATE_READ. */
export function checkScanLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_STATE_READ)
    throw new RangeError(`store: a scan's limit must be 1..${MAX_STATE_READ}, not ${limit}`);
}

/** Whether `path` is log/map's pathBytes of some position: depth byte, its bytes, bits past it clear. */
export function isPathBytes(path: Uint8Array): boolean {
  if (!isBytes(path) || path.length === 0) return false;
  const depth = path[0]!;
  if (path.length !== 1 + ((depth + 7) >> 3)) return false;
  return (depth & 7) === 0 || (path[path.length - 1]! & (0xff >> (depth & 7))) === 0;
}

/** RangeError unless every path is pathBytes, and there are at most MAX_STATE_READ. */
export function checkPaths(paths: readonly Uint8Array[]): void {
  checkReadCount("paths", paths);
  for (const p of paths) if (!isPathBytes(p)) throw new RangeError("store: a map path must be pathBytes");
}

/** RangeError unless every leaf's key and hash are 32 bytes each, and there are at most MAX_STATE_READ. */
export function checkLeaves(leaves: readonly MapLeaf[]): void {
  checkReadCount("leaves", leaves);
  for (const l of leaves) {
    if (!isBytes(l?.key) || l.key.length !== HASH_SIZE)
      throw new RangeError(`store: a map key must be ${HASH_SIZE} bytes`);
    if (!isBytes(l.hash) || l.hash.length !== HASH_SIZE)
      throw new RangeError(`store: a value hash must be ${HASH_SIZE} bytes`);
  }
}

/**
 * Checks a state part whose map versions must lie in [minVersion, endVersion); throws
 * InvalidWriteError (naming the item) for anything malformed. Returns it normalised.
 */
export function checkStateWrite(state: StateWrite, minVersion: number, endVersion: number): CheckedState {
  if (state === null || typeof state !== "object") throw new InvalidWriteError("the state part is not an object");
  const list = <T>(what: string, l: readonly T[] | undefined): readonly T[] => {
    if (l === undefined) return [];
    if (!Array.isArray(l)) throw new InvalidWriteError(`the state part's ${what} are not a list`);
    return l;
  };
  const version = (at: string, v: number) => {
    if (!Number.isSafeInteger(v) || v < minVersion || v >= endVersion)
      throw new InvalidWriteError(`${at} has map version ${String(v)}, not in [${minVersion}, ${endVersion})`);
  };

  const seen = new Set<string>();
  const rows = list("rows", state.rows).map((r, i): StoredRow => {
    const at = `state row ${i}`;
    const table = Object.hasOwn(STATE_TABLES, r?.table) ? STATE_TABLES[r.table] : undefined;
    if (table === undefined) throw new InvalidWriteError(`${at} names no state table: ${String(r?.table)}`);
    const key = typeof r.key === "string" ? utf8(r.key) : r.key;
    if (!isBytes(key) || key.length > MAX_STATE_KEY_BYTES)
      throw new InvalidWriteError(`${at} needs a key of at most ${MAX_STATE_KEY_BYTES} bytes`);
    if (r.value !== null && (!isBytes(r.value) || r.value.length > MAX_STATE_VALUE_BYTES))
      throw new InvalidWriteError(`${at} needs a value of at most ${MAX_STATE_VALUE_BYTES} bytes, or null`);
    const id = `${table}/${toHex(key)}`;
    if (seen.has(id)) throw new InvalidWriteError(`${at} repeats a key of table ${r.table}`);
    seen.add(id);
    return { table, key, value: r.value };
  });

  seen.clear();
  const nodes = list("nodes", state.nodes);
  nodes.forEach((n, i) => {
    const at = `map node ${i}`;
    if (!isBytes(n?.path) || !isPathBytes(n.path))
      throw new InvalidWriteError(`${at} has a path that is not pathBytes`);
    version(at, n.version);
    if (!isBytes(n.node) || n.node.length < 2 || n.node.length > MAX_MAP_NODE_BYTES)
      throw new InvalidWriteError(`${at} needs node bytes of 2..${MAX_MAP_NODE_BYTES}`);
    const id = `${n.version}/${toHex(n.path)}`;
    if (seen.has(id)) throw new InvalidWriteError(`${at} repeats a path at version ${n.version}`);
    seen.add(id);
  });

  seen.clear();
  const values = list("values", state.values);
  values.forEach((v, i) => {
    const at = `map value ${i}`;
    if (!isBytes(v?.key) || v.key.length !== HASH_SIZE) throw new InvalidWriteError(`${at} needs a 32-byte map key`);
    if (!isBytes(v.hash) || v.hash.length !== HASH_SIZE) throw new InvalidWriteError(`${at} needs a 32-byte hash`);
    version(at, v.version);
    if (!isBytes(v.value) || v.value.length > MAX_STATE_VALUE_BYTES)
      throw new InvalidWriteError(`${at} needs a value of at most ${MAX_STATE_VALUE_BYTES} bytes`);
    const id = `${v.version}/${toHex(v.key)}`;
    if (seen.has(id)) throw new InvalidWriteError(`${at} repeats a key at version ${v.version}`);
    seen.add(id);
  });
  return { rows, nodes, values };
}

/** A rebuild step (writeRebuild, finishRebuild) without a rebuild begun. */
export function notRebuilding(): InvalidWriteError {
  return new InvalidWriteError("no state rebuild was begun (beginRebuild)");
}

/** A token as beginRebuild gives them (a positive integer), or a RangeError. */
export function checkRebuildToken(token: RebuildToken): void {
  if (!Number.isSafeInteger(token) || token < 1)
    throw new RangeError(`store: a rebuild token is a positive integer from beginRebuild, not ${String(token)}`);
}

/**
 * The guard of a rebuild step with `token` on a store whose newest rebuild is `newest`, read in
 * the step's own transaction: an older token was superseded; a newer one was never given.
 */
export function guardRebuildToken(token: number, newest: number): void {
  if (token < newest) throw new RebuildSupersededError(token, newest);
  if (token !== newest) throw new InvalidWriteError(`no rebuild ${token} was begun on this store (beginRebuild)`);
}
