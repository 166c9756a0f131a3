// Where map nodes live. The map reads nodes through this port and never writes them itself: an
// update returns its writes, and the caller stores them (a database store in the same
// transaction as the batch of log entries the map reflects), so nothing half-written is seen.
import { pathString, type MapNode, type NodePath } from "./node.js";

/**
 * A position as a Map key: up to depth 52, the number 2^depth + the path's bits (a number key
 * costs less to build and hash than a string: the store's share of an update fell by half);
 * deeper (only keys sharing long prefixes get there), pathString.
 */
function memoryKey(path: NodePath): number | string {
  const { key, depth } = path;
  if (depth > 52) return pathString(path);
  let bits = 1;
  let i = 0;
  for (; i + 8 <= depth; i += 8) bits = bits * 256 + key[i >> 3]!;
  const rest = depth - i;
  if (rest > 0) bits = bits * (1 << rest) + (key[i >> 3]! >> (8 - rest));
  return bits;
}

/** What a node read returns: a node per path, in order, undefined where there is none. */
export type NodeReads = readonly (MapNode | undefined)[];

/**
 * The contract of a node store:
 * - getNodes(paths) returns the nodes last written at those positions (by pathBytes equality:
 *   only the first `depth` bits of a path's key count), or undefined for positions never
 *   written. A synchronous store returns an array; an asynchronous one (a database) a promise.
 *   The map asks for all the positions of one tree level in one call, so a database answers a
 *   whole batch in about as many round trips as the tree is deep.
 * - putNodes(writes) stores every write, replacing what was at its position; an update's writes
 *   must be stored all or none. Positions are never deleted (the map only grows).
 * - Nodes and path keys are immutable once written: a store may keep the objects it is given.
 */
export interface MapNodeStore {
  getNodes(paths: readonly NodePath[]): NodeReads | Promise<NodeReads>;
  putNodes(writes: readonly NodeWrite[]): void | Promise<void>;
}

/** A store whose reads are synchronous (in memory, or SQLite through better-sqlite3). */
export interface SyncMapNodeStore extends MapNodeStore {
  getNodes(paths: readonly NodePath[]): NodeReads;
  putNodes(writes: readonly NodeWrite[]): void;
}

export interface NodeWrite {
  readonly path: NodePath;
  readonly node: MapNode;
}

/** Nodes in a Map keyed by position. */
export class MemoryMapNodeStore implements SyncMapNodeStore {
  private readonly nodes = new Map<number | string, MapNode>();

  get size(): number {
    return this.nodes.size;
  }

  getNodes(paths: readonly NodePath[]): NodeReads {
    return paths.map((p) => this.nodes.get(memoryKey(p)));
  }

  putNodes(writes: readonly NodeWrite[]): void {
    for (const w of writes) this.nodes.set(memoryKey(w.path), w.node);
  }
}
