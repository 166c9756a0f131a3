// Proof generation: each key's path read from the root down, one tree level for all keys at once.
import type { Hash } from "../hash.js";
import type { MapKey } from "./hash.js";
import { childOn, EMPTY, INNER, LEAF, siblingOn, type MapNode } from "./node.js";
import { runAsync, runSync, type Plan } from "./plan.js";
import type { MapProof } from "./proof.js";
import type { MapNodeStore, SyncMapNodeStore } from "./store.js";
import { ROOT_PATH } from "./update.js";

/**
 * Proofs for `keys`: ending at an empty subtree or at a leaf, which is the key's own when the key
 * is in the map (withValue in proof.ts then makes it a proof of presence) and another key's when not.
 */
export function* planProofs(keys: readonly MapKey[]): Plan<MapProof[]> {
  const out: MapProof[] = new Array(keys.length);
  const rootNode = (yield [ROOT_PATH])[0];
  if (rootNode === undefined) return out.fill({ siblings: [], terminal: { kind: "empty" } });
  const { left, right } = rootNode;
  const single =
    left.kind === EMPTY && right.kind === LEAF ? right : right.kind === EMPTY && left.kind === LEAF ? left : undefined;
  if (single)
    return out.fill({ siblings: [], terminal: { kind: "leaf", key: single.key!, valueHash: single.valueHash! } });

  const siblings: Hash[][] = keys.map(() => []);
  let walking = keys.map((_, i) => i);
  let nodes: readonly (MapNode | undefined)[] = walking.map(() => rootNode);
  for (let depth = 0; walking.length > 0; depth++) {
    const deeper: number[] = [];
    walking.forEach((k, i) => {
      const node = nodes[i];
      if (node === undefined) throw new Error(`map store: no node at depth ${depth} below a node that names one`);
      const key = keys[k]!;
      siblings[k]!.push(siblingOn(node, key, depth).hash);
      const c = childOn(node, key, depth);
      if (c.kind === INNER) deeper.push(k);
      else if (c.kind === LEAF)
        out[k] = { siblings: siblings[k]!, terminal: { kind: "leaf", key: c.key!, valueHash: c.valueHash! } };
      else out[k] = { siblings: siblings[k]!, terminal: { kind: "empty" } };
    });
    walking = deeper;
    if (walking.length > 0) nodes = yield walking.map((k) => ({ key: keys[k]!, depth: depth + 1 }));
  }
  return out;
}

export function proveKeys(store: Pick<SyncMapNodeStore, "getNodes">, keys: readonly MapKey[]): MapProof[] {
  return runSync(planProofs(keys), store);
}

export function proveKeysAsync(store: Pick<MapNodeStore, "getNodes">, keys: readonly MapKey[]): Promise<MapProof[]> {
  return runAsync(planProofs(keys), store);
}
