// Batch updates: many keys at once, each node on their paths hashed once per batch.
//
// The walk goes down one level at a time over the batch's keys in sorted order: a position
// holding updates splits them by the key bit of its depth (in sorted order the 0s come first), so
// each level's positions are ranges of one sorted array. Going down it reads the nodes it passes
// (one store call per level); coming back up it hashes each touched position once and writes its
// node. A leaf already in the map that the batch reaches but does not replace is carried down
// as it is (no rehash) until it parts from the new keys.
import { bytesEqual } from "../bytes.js";
import type { Hash } from "../hash.js";
import { compareKeys, keyBit, type MapHasher, type MapKey } from "./hash.js";
import {
  EMPTY,
  EMPTY_CHILD,
  INNER,
  innerChild,
  LEAF,
  leafChild,
  nodeHashOf,
  type MapChild,
  type MapNode,
  type NodePath,
} from "./node.js";
import { runAsync, runSync, type Plan } from "./plan.js";
import type { MapNodeStore, NodeWrite, SyncMapNodeStore } from "./store.js";

export interface MapEntry {
  readonly key: MapKey;
  /** The value's bytes; the map keeps only their SHA-256. */
  readonly value: Uint8Array;
}

export interface MapUpdate {
  /** The map's root after the batch. */
  readonly root: Hash;
  /** The nodes to store (MapNodeStore.putNodes), all or none. */
  readonly writes: readonly NodeWrite[];
  /** SHA-256 of each entry's value, in the order the entries were given (a caller keeping values by hash needs them). */
  readonly valueHashes: readonly Hash[];
}

/** The root position; the key bits do not count at depth 0. */
export const ROOT_PATH: NodePath = { key: new Uint8Array(32), depth: 0 };

/** A position the batch touches. */
class Task {
  /** Set when the position's new content is the single leaf keys[lo]. */
  leaf = false;
  node: MapNode | undefined = undefined;
  leftTask: Task | null = null;
  rightTask: Task | null = null;
  left: MapChild = EMPTY_CHILD;
  right: MapChild = EMPTY_CHILD;
  result: MapChild = EMPTY_CHILD;
  constructor(
    readonly depth: number,
    /** The batch's updates here: sorted[lo .. hi - 1]. */
    readonly lo: number,
    readonly hi: number,
    /** What is at the position before the batch. */
    public old: MapChild,
  ) {}
}

/** The update as a plan: run it with runSync or runAsync (plan.ts) over a store. */
export function* planUpdate(hasher: MapHasher, entries: readonly MapEntry[]): Plan<MapUpdate> {
  const given = entries.map((e) => hasher.digest(e.value));
  const { keys, valueHashes } = sortedUpdates(entries, given);
  const rootNode = (yield [ROOT_PATH])[0];
  if (keys.length === 0)
    return {
      root: rootNode === undefined ? EMPTY_CHILD.hash : nodeHashOf(hasher, rootNode),
      writes: [],
      valueHashes: given,
    };

  const root = new Task(0, 0, keys.length, rootChild(rootNode));
  if (root.old.kind === INNER) root.node = rootNode;
  const levels: Task[][] = [];
  let level = [root];
  while (level.length > 0) {
    const reading = level.filter((t) => t.old.kind === INNER && t.node === undefined);
    if (reading.length > 0) {
      const nodes = yield reading.map((t) => ({ key: keys[t.lo]!, depth: t.depth }));
      reading.forEach((t, i) => {
        const n = nodes[i];
        if (n === undefined) throw new Error(`map store: no node at depth ${t.depth} below a node that names one`);
        t.node = n;
      });
    }
    const next: Task[] = [];
    for (const t of level) expand(t, keys, next);
    levels.push(level);
    level = next;
  }

  const writes: NodeWrite[] = [];
  for (let d = levels.length - 1; d >= 0; d--) {
    for (const t of levels[d]!) {
      if (t.leaf) {
        t.result = leafChild(hasher, keys[t.lo]!, valueHashes[t.lo]!);
        continue;
      }
      const left = t.leftTask ? t.leftTask.result : t.left;
      const right = t.rightTask ? t.rightTask.result : t.right;
      writes.push({ path: { key: keys[t.lo]!, depth: t.depth }, node: { left, right } });
      // Two or more leaves below (a position splits only then): never the one-leaf case.
      t.result = innerChild(hasher.nodeHash(left.hash, right.hash));
    }
  }
  if (root.leaf) {
    // The map holds one leaf: the root node keeps it on its side, beside an empty child.
    const only = root.result;
    writes.push({
      path: ROOT_PATH,
      node: keyBit(only.key!, 0) === 0 ? { left: only, right: EMPTY_CHILD } : { left: EMPTY_CHILD, right: only },
    });
  }
  return { root: root.result.hash, writes, valueHashes: given };
}

/** Computes a batch's update against a synchronous store (the caller stores the writes). */
export function computeUpdate(
  store: Pick<SyncMapNodeStore, "getNodes">,
  hasher: MapHasher,
  entries: readonly MapEntry[],
): MapUpdate {
  return runSync(planUpdate(hasher, entries), store);
}

/** Computes a batch's update against any store (the caller stores the writes). */
export function computeUpdateAsync(
  store: Pick<MapNodeStore, "getNodes">,
  hasher: MapHasher,
  entries: readonly MapEntry[],
): Promise<MapUpdate> {
  return runAsync(planUpdate(hasher, entries), store);
}

/** Computes and stores a batch's update in a synchronous store; returns the new root. */
export function updateMap(store: SyncMapNodeStore, hasher: MapHasher, entries: readonly MapEntry[]): Hash {
  const u = computeUpdate(store, hasher, entries);
  store.putNodes(u.writes);
  return u.root;
}

/** The root of the map in `store`. */
export function* planRoot(hasher: MapHasher): Plan<Hash> {
  const rootNode = (yield [ROOT_PATH])[0];
  return rootNode === undefined ? EMPTY_CHILD.hash : nodeHashOf(hasher, rootNode);
}

/** The root position as a child: empty, the map's one leaf, or a node. */
export function rootChild(rootNode: MapNode | undefined): MapChild {
  if (rootNode === undefined) return EMPTY_CHILD;
  const { left, right } = rootNode;
  if (left.kind === EMPTY && right.kind !== INNER) return right;
  if (right.kind === EMPTY && left.kind !== INNER) return left;
  return innerChild(new Uint8Array(0)); // its hash is never read: the walk hashes the root anew
}

/** Decides what task `t` becomes: a leaf, or a split with child tasks pushed on `next`. */
function expand(t: Task, keys: readonly MapKey[], next: Task[]): void {
  const { lo, hi, depth } = t;
  if (t.old.kind === LEAF) {
    const oldKey = t.old.key!;
    if (hi - lo === 1 && bytesEqual(keys[lo]!, oldKey)) {
      t.leaf = true;
      return;
    }
    // Replaced by one of the updates: as if the position were empty.
    if (indexOfKey(keys, lo, hi, oldKey) >= 0) t.old = EMPTY_CHILD;
  }
  if (t.old.kind === EMPTY && hi - lo === 1) {
    t.leaf = true;
    return;
  }
  const mid = firstOne(keys, lo, hi, depth);
  let oldLeft = EMPTY_CHILD;
  let oldRight = EMPTY_CHILD;
  if (t.old.kind === INNER) {
    oldLeft = t.node!.left;
    oldRight = t.node!.right;
  } else if (t.old.kind === LEAF) {
    if (keyBit(t.old.key!, depth) === 0) oldLeft = t.old;
    else oldRight = t.old;
  }
  t.left = oldLeft;
  t.right = oldRight;
  if (mid > lo) next.push((t.leftTask = new Task(depth + 1, lo, mid, oldLeft)));
  if (hi > mid) next.push((t.rightTask = new Task(depth + 1, mid, hi, oldRight)));
}

/** The first index in [lo, hi) whose key has bit `depth` set (hi if none); keys there share `depth` bits. */
function firstOne(keys: readonly MapKey[], lo: number, hi: number, depth: number): number {
  let a = lo;
  let b = hi;
  while (a < b) {
    const m = (a + b) >>> 1;
    if (keyBit(keys[m]!, depth) === 0) a = m + 1;
    else b = m;
  }
  return a;
}

function indexOfKey(keys: readonly MapKey[], lo: number, hi: number, key: MapKey): number {
  let a = lo;
  let b = hi;
  while (a < b) {
    const m = (a + b) >>> 1;
    const c = compareKeys(keys[m]!, key);
    if (c === 0) return m;
    if (c < 0) a = m + 1;
    else b = m;
  }
  return -1;
}

/** The batch's keys in order, one update per key (the last one given wins), with their value hashes. */
function sortedUpdates(entries: readonly MapEntry[], given: readonly Hash[]): { keys: MapKey[]; valueHashes: Hash[] } {
  const order = entries.map((_, i) => i);
  for (const e of entries)
    if (!(e.key instanceof Uint8Array) || e.key.length !== 32) throw new RangeError("map keys must be 32 bytes");
  order.sort((a, b) => compareKeys(entries[a]!.key, entries[b]!.key) || a - b);
  const keys: MapKey[] = [];
  const valueHashes: Hash[] = [];
  for (let i = 0; i < order.length; i++) {
    const e = entries[order[i]!]!;
    if (i + 1 < order.length && bytesEqual(e.key, entries[order[i + 1]!]!.key)) continue;
    keys.push(e.key);
    valueHashes.push(given[order[i]!]!);
  }
  return { keys, valueHashes };
}
