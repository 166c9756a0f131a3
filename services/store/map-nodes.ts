// The state map (log/map) over a store's node and value tables: node reads for the map's walks
// (update and prove, one store round trip per tree level), and an update's writes as the state
// part of the batch that commits it, so the map's nodes are stored in the same atomic append.
import type { Hash } from "../../log/hash.js";
import {
  decodeNode,
  encodeNode,
  pathBytes,
  type MapEntry,
  type MapHasher,
  type MapNodeStore,
  type NodePath,
  type NodeReads,
  type NodeWrite,
} from "../../log/map/index.js";
import type { MapNodeWrite, MapValueWrite, StateTables } from "./state.js";

/**
 * The map as stored at `version` (a commitment's size; Number.MAX_SAFE_INTEGER for the newest),
 * for computeUpdateAsync and proveKeysAsync. Read-only: an update's writes go into its batch
 * (mapStateWrite). Nodes read from the store are decoded, so a corrupt one throws.
 */
export function storedMapAt(
  state: Pick<StateTables, "readMapNodes">,
  hasher: MapHasher,
  version: number,
): Pick<MapNodeStore, "getNodes"> {
  return {
    async getNodes(paths: readonly NodePath[]): Promise<NodeReads> {
      const stored = await state.readMapNodes(paths.map(pathBytes), version);
      return stored.map((b) => (b === undefined ? undefined : decodeNode(hasher, b)));
    },
  };
}

/**
 * The state part (nodes and values) that stores a map update made as `version`: its node writes,
 * and the values of the entries it wrote (by the map hasher's digest, as the leaves commit to
 * them). `entries` are those given to the update (for a key given twice, the last one counts).
 */
export function mapStateWrite(
  hasher: MapHasher,
  version: number,
  writes: readonly NodeWrite[],
  entries: readonly MapEntry[],
): { nodes: MapNodeWrite[]; values: MapValueWrite[] } {
  const nodes = writes.map((w) => ({ path: pathBytes(w.path), version, node: encodeNode(w.node) }));
  const last = new Map<string, MapEntry>();
  for (const e of entries) last.set(keyString(e.key), e);
  const values = [...last.values()].map((e) => ({ key: e.key, version, hash: hasher.digest(e.value), value: e.value }));
  return { nodes, values };
}

const keyString = (key: Hash) => String.fromCharCode(...key);
