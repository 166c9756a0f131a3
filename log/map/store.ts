// Where map nodes live. The map reads nodes through this port and never writes them itself: an
// update returns its writes, and the caller stores them (a database store in the same
// transaction as the batch of log entries the map reflects), so nothing half-written is seen.
import { pathString, type MapNode, type NodePath } from "./node.js";

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

/** Nodes in a Map keyed by pathString. */
export class MemoryMapNodeStore implements SyncMapNodeStore {
  private readonly nodes = new Map<string, MapNode>();

  get size(): number {
    return this.nodes.size;
  }

  getNodes(paths: readonly NodePath[]): NodeReads {
    return paths.map((p) => this.nodes.get(pathString(p)));
  }

  putNodes(writes: readonly NodeWrite[]): void {
    for (const w of writes) this.nodes.set(pathString(w.path), w.node);
  }
}
