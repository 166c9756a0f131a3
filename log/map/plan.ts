// The map's walks (update.ts, prove.ts) are written as generators that yield the positions they
// need to read next, one tree level at a time, and receive the nodes there. One walk then serves
// a synchronous store (in memory, SQLite) without a promise per node, and an asynchronous one
// (a database across a network) in about as many round trips as the tree is deep.
import type { NodePath } from "./node.js";
import type { MapNodeStore, NodeReads, SyncMapNodeStore } from "./store.js";

export type Plan<T> = Generator<readonly NodePath[], T, NodeReads>;

export function runSync<T>(plan: Plan<T>, store: Pick<SyncMapNodeStore, "getNodes">): T {
  let step = plan.next(undefined as unknown as NodeReads);
  while (!step.done) step = plan.next(checked(step.value, store.getNodes(step.value)));
  return step.value;
}

export async function runAsync<T>(plan: Plan<T>, store: Pick<MapNodeStore, "getNodes">): Promise<T> {
  let step = plan.next(undefined as unknown as NodeReads);
  while (!step.done) step = plan.next(checked(step.value, await store.getNodes(step.value)));
  return step.value;
}

function checked(paths: readonly NodePath[], reads: NodeReads): NodeReads {
  if (reads.length !== paths.length)
    throw new Error(`map store answered ${reads.length} nodes for ${paths.length} paths`);
  return reads;
}
