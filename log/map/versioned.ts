// Nodes kept by version, so that a proof can be made against the map of any recent commitment,
// not only the newest: reads may answer from an older checkpoint (one that witnesses have
// cosigned) while a newer one awaits its cosignatures. As in Jellyfish, a node written by the
// update of version v (a commitment's size) is read at every version from v until the next
// write at its position; a read at version v sees the newest write at or before v.
//
// Only versions from `floor` on are readable. What a position's writes supersede at or below the
// floor is dropped once its chain of writes has grown by PRUNE_EVERY since it was last cut: a
// cut on every write walked the whole chain each time, and the positions near the root, written
// by every batch, carry one write per kept version.
import type { MapNode, NodePath } from "./node.js";
import { memoryKey, type NodeReads, type NodeWrite, type SyncMapNodeStore } from "./store.js";

interface Versioned {
  readonly version: number;
  readonly node: MapNode;
  /** The write before this one at the same position. */
  older: Versioned | undefined;
  /** Writes in this chain (this one and all older ones still linked). */
  length: number;
}

/** Writes a chain may gain past its last cut before the next cut. */
const PRUNE_EVERY = 32;

export class VersionedMemoryMapNodeStore {
  private readonly nodes = new Map<number | string, Versioned>();
  /** The newest version written. */
  private latest = -1;
  /** The oldest version still readable. */
  private floor = 0;

  /** The store as it was at `version` (read-only; reads below the floor throw). */
  at(version: number): Pick<SyncMapNodeStore, "getNodes"> {
    return {
      getNodes: (paths: readonly NodePath[]): NodeReads => {
        if (version < this.floor)
          throw new Error(`map nodes of version ${version} are no longer kept (oldest ${this.floor})`);
        return paths.map((p) => {
          let v = this.nodes.get(memoryKey(p));
          while (v !== undefined && v.version > version) v = v.older;
          return v?.node;
        });
      },
    };
  }

  /** Stores an update's writes as `version`, which must be above every version written so far. */
  put(writes: readonly NodeWrite[], version: number): void {
    if (version <= this.latest) throw new Error(`map version ${version} is not above ${this.latest}`);
    this.latest = version;
    for (const w of writes) {
      const k = memoryKey(w.path);
      const older = this.nodes.get(k);
      const head: Versioned = { version, node: w.node, older, length: older ? older.length + 1 : 1 };
      this.nodes.set(k, head);
      if (head.length > this.cutLength) this.cut(head);
    }
  }

  /** Chains longer than this are cut: room for the writes above the floor, then PRUNE_EVERY more. */
  private cutLength = PRUNE_EVERY;

  /** Keeps the newest write at or below the floor (what the floor version reads), drops the rest. */
  private cut(head: Versioned): void {
    let kept = 1;
    let v = head;
    while (v.older !== undefined && v.version > this.floor) {
      v = v.older;
      kept++;
    }
    v.older = undefined;
    // Lengths below the head are not used again: only a head's length is read, on the next write.
    head.length = kept;
    if (kept + PRUNE_EVERY > this.cutLength) this.cutLength = kept + PRUNE_EVERY;
  }

  /** Versions below `version` need not stay readable. */
  setFloor(version: number): void {
    if (version > this.floor) this.floor = version;
  }

  get oldest(): number {
    return this.floor;
  }
}
