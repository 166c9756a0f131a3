// The state map of a registry whose store keeps state tables in step with the log
// (services/store/state.ts): nodes and values live in the store, written by the append of the
// batch they reflect (PreparedMap.write); this process holds a bounded node cache
// (map-node-cache.ts) and the values of the newest batch it wrote, and lets old versions go in the
// store now and then.
import { toHex } from "../../log/bytes.js";
import type { Hash } from "../../log/hash.js";
import {
  proveKeysAsync,
  type MapHasher,
  type MapKey,
  type MapNode,
  type MapNodeStore,
  type NodePath,
  type NodeReads,
} from "../../log/map/index.js";
import { storedMapAt } from "../store/map-nodes.js";
import type { MapLeaf, StateTables } from "../store/state.js";
import { MapNodeCache } from "./map-node-cache.js";
import type { MapStorage, PreparedMap } from "./map-storage.js";

/** The node cache of a registry's map, unless `serve --map-cache-mb` says otherwise. */
export const DEFAULT_MAP_CACHE_BYTES = 256 * 1024 * 1024;

/**
 * Commitments between two prunes of the store's old map versions: a prune deletes every node
 * version superseded below the floor, so each one does a batch's worth of deletes or more, off
 * the answer path; pruning after every batch would put a delete statement beside each append.
 */
export const PRUNE_EVERY_COMMITMENTS = 16;

export class StoredMapStorage implements MapStorage {
  readonly writesWithBatch = true;
  readonly cache: MapNodeCache;
  /** The values the newest batch this process committed wrote, by hex hash (its receipts need them). */
  private recent = new Map<string, Uint8Array>();
  /** The floor asked for last, and the one the store was last told. */
  private floor: number;
  private prunedTo: number;
  private commitsSincePrune = 0;
  private pruning = false;
  /**
   * Whether passed() reads a version's new nodes into an empty cache too (a process following
   * the writer, once started up); else an empty cache stays empty (a start-up's catch-up passes
   * every commitment of the log, and reads none of their nodes).
   */
  warmOnPass = false;

  constructor(
    private readonly tables: Pick<StateTables, "readMapNodes" | "readMapValues" | "pruneMap">,
    private readonly hasher: MapHasher,
    cacheBytes: number,
    /** The store's map floor when it was opened. */
    storeFloor: number,
    private readonly log: (msg: string) => void = defaultLog,
  ) {
    this.cache = new MapNodeCache(cacheBytes);
    this.floor = storeFloor;
    this.prunedTo = storeFloor;
  }

  /** The oldest version known to be readable in the store. */
  get oldest(): number {
    return this.prunedTo;
  }

  nodesAt(version: number): Pick<MapNodeStore, "getNodes"> {
    const stored = storedMapAt(this.tables, this.hasher, version);
    const cache = this.cache;
    return {
      async getNodes(paths: readonly NodePath[]): Promise<NodeReads> {
        const out: (MapNode | undefined)[] = new Array(paths.length);
        const missing: NodePath[] = [];
        const at: number[] = [];
        paths.forEach((p, i) => {
          const hit = cache.get(p, version);
          if (hit === undefined) {
            missing.push(p);
            at.push(i);
          } else out[i] = hit;
        });
        if (missing.length === 0) return out;
        const ticket = cache.ticket();
        const read = await stored.getNodes(missing);
        cache.fill(ticket, version, missing, read);
        read.forEach((n, k) => (out[at[k]!] = n));
        return out;
      },
    };
  }

  syncNodesAt(): undefined {
    return undefined;
  }

  heldValue(hash: Hash): Uint8Array | undefined {
    return this.recent.get(toHex(hash));
  }

  readValues(leaves: readonly MapLeaf[]): Promise<(Uint8Array | undefined)[]> {
    return this.tables.readMapValues(leaves);
  }

  committed(prepared: PreparedMap): void {
    this.cache.written(prepared.version, prepared.update.writes);
    this.recent = new Map(prepared.values.map((v, i) => [toHex(prepared.update.valueHashes[i]!), v.value]));
    this.commitsSincePrune++;
    this.prune();
  }

  /**
   * Another process wrote `version`: the cache, if it holds anything (or warmOnPass), reads back
   * the nodes on the paths of `keys()` (every position the version wrote lies on one), so that it stays warm and
   * right (a replica serves reads from it while the store is away); if that read fails, the cache
   * starts again empty.
   */
  async passed(version: number, keys: (() => readonly MapKey[]) | undefined): Promise<void> {
    this.recent.clear();
    if (keys === undefined || (this.cache.size === 0 && !this.warmOnPass)) {
      this.cache.clear(version);
      return;
    }
    const ticket = this.cache.ticket();
    const stored = storedMapAt(this.tables, this.hasher, version);
    const read: { path: NodePath; node: MapNode }[] = [];
    try {
      await proveKeysAsync(
        {
          async getNodes(paths: readonly NodePath[]): Promise<NodeReads> {
            const nodes = await stored.getNodes(paths);
            paths.forEach((path, i) => nodes[i] && read.push({ path, node: nodes[i] }));
            return nodes;
          },
        },
        keys(),
      );
    } catch {
      this.cache.clear(version);
      return;
    }
    this.cache.refresh(ticket, version, read);
  }

  /**
   * Only the writer's letGo() prunes (a replica's map follows the writer's floor); the store is
   * told every PRUNE_EVERY_COMMITMENTS commitments, in the background, one prune at a time.
   */
  letGo(floor: number): void {
    if (floor > this.floor) this.floor = floor;
  }

  private prune(): void {
    if (this.pruning || this.floor <= this.prunedTo || this.commitsSincePrune < PRUNE_EVERY_COMMITMENTS) return;
    const floor = this.floor;
    this.pruning = true;
    this.commitsSincePrune = 0;
    this.tables.pruneMap(floor).then(
      () => {
        this.prunedTo = floor;
        this.pruning = false;
      },
      (e: unknown) => {
        // Old versions stay a while longer; the next prune tries again.
        this.pruning = false;
        this.log(
          `labelreg: pruning the state map's versions below ${floor} failed: ${e instanceof Error ? e.message : String(e)}`,
        );
      },
    );
  }
}

function defaultLog(msg: string): void {
  console.error(JSON.stringify({ level: "warn", msg }));
}
