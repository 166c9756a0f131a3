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
  type MapUpdate,
  type NodeReads,
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
 * The state part (nodes and values) that stores `update`, made as map version `version` from
 * `entries`: its node writes, and the values of the entries (with the hashes the update computed,
 * as the leaves commit to them). For a key given twice the last one counts, as in the update.
 */
export function mapStateWrite(
  version: number,
  update: MapUpdate,
  entries: readonly MapEntry[],
): { nodes: MapNodeWrite[]; values: MapValueWrite[] } {
  const nodes = update.writes.map((w) => ({ path: pathBytes(w.path), version, node: encodeNode(w.node) }));
  const last = new Map<string, MapValueWrite>();
  entries.forEach((e, i) =>
    last.set(keyString(e.key), { key: e.key, version, hash: update.valueHashes[i]!, value: e.value }),
  );
  return { nodes, values: [...last.values()] };
}

const keyString = (key: Hash) => String.fromCharCode(...key);
