// A bounded cache of the stored state map's nodes (stored-map.ts), decoded, least recently used
// evicted first (log/lru.ts).
//
// The store keeps every version of a position's node; the cache keeps at most one per position,
// and only one that is the newest written there, with a version `from` at or above its write
// version: it answers a read at version v only when from <= v, so a read of an older version never
// gets a newer node, and a read it cannot answer goes to the store. That holds only while the
// cache sees every write: the writer's own commits go through it (written()), and a version some
// other process wrote (a replica following, a sequencer that lost an append's outcome) is read
// back from the store on the paths of the keys it wrote (refresh()), or else clears it.
import type { MapChild, MapNode, NodePath } from "../../log/map/index.js";
import { EMPTY, INNER, memoryKey, type NodeWrite } from "../../log/map/index.js";
import { ByteLru } from "../../log/lru.js";

interface Cached {
  readonly node: MapNode;
  /** Reads at this version or above may use the node. */
  readonly from: number;
}

// What a cached node costs in the heap, as V8 lays it out: the cache's slot, the entry and the node
// objects with the Map's own entry, then per child its object and each 32-byte array (a typed
// array object, its buffer and the bytes). Calibrated against the heap and array-buffer growth of
// a cache of decoded nodes (Node 20): the budget counts objects, not only the bytes they hold.
const ENTRY_BYTES = 192;
const CHILD_BYTES = 48;
const ARRAY_BYTES = 232;

function sizeOfNode(c: Cached): number {
  const child = (x: MapChild) => (x.kind === EMPTY ? 0 : CHILD_BYTES + (x.kind === INNER ? 1 : 3) * ARRAY_BYTES);
  return ENTRY_BYTES + child(c.node.left) + child(c.node.right);
}

export class MapNodeCache {
  private readonly lru: ByteLru<number | string, Cached>;
  /** Bumped by every write and clear: a store read that began before one must not fill the cache. */
  private epoch = 0;
  /** The newest version whose writes the cache holds (all versions up to it are accounted for). */
  private newest = -1;

  constructor(maxBytes: number) {
    this.lru = new ByteLru(maxBytes, sizeOfNode);
  }

  get bytes(): number {
    return this.lru.bytes;
  }

  get size(): number {
    return this.lru.size;
  }

  /** The node at `path` as of `version`, if the cache can tell; undefined: ask the store. */
  get(path: NodePath, version: number): MapNode | undefined {
    if (version > this.newest) return undefined;
    const c = this.lru.get(memoryKey(path));
    return c !== undefined && c.from <= version ? c.node : undefined;
  }

  /** A ticket for a store read about to start (fill() takes it back). */
  ticket(): number {
    return this.epoch;
  }

  /**
   * Keeps nodes a store read at `version` returned, if they are surely the newest at their
   * positions: read at the newest version the cache accounts for (a read at an older one may
   * return a node superseded since), with no write or clear since the read began (`ticket`).
   */
  fill(ticket: number, version: number, paths: readonly NodePath[], nodes: readonly (MapNode | undefined)[]): void {
    if (ticket !== this.epoch || version !== this.newest) return;
    paths.forEach((p, i) => {
      const node = nodes[i];
      if (node !== undefined) this.lru.set(memoryKey(p), { node, from: version });
    });
  }

  /** The writer's own update of `version`, durable: its nodes replace what is cached at their positions. */
  written(version: number, writes: readonly NodeWrite[]): void {
    this.epoch++;
    if (version <= this.newest) {
      this.clear(version);
      return;
    }
    for (const w of writes) this.lru.set(memoryKey(w.path), { node: w.node, from: version });
    this.newest = version;
  }

  /**
   * Another process wrote `version` (the next after the newest this cache accounts for), and
   * `nodes` are what a store read at `version` returned on the paths of every key that version
   * wrote (so at every position it wrote): they replace what is cached there, and the rest stays
   * valid. A write or clear since the read began (`ticket`) empties the cache instead.
   */
  refresh(ticket: number, version: number, nodes: readonly { path: NodePath; node: MapNode }[]): void {
    if (version <= this.newest) return;
    if (ticket !== this.epoch) {
      this.clear(version);
      return;
    }
    this.epoch++;
    for (const n of nodes) this.lru.set(memoryKey(n.path), { node: n.node, from: version });
    this.newest = version;
  }

  /** Empties the cache; it accounts for versions up to `version` again from here on. */
  clear(version: number): void {
    this.epoch++;
    this.lru.clear();
    this.newest = version;
  }
}
