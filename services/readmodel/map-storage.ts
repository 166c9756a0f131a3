// Where a StateMap (state-map.ts) keeps its nodes and values: the port, and its in-memory
// implementation for replays (the auditor, fsck, the scrub, benches, and a registry whose store has
// no state tables in step). A registry's map over the store's tables is stored-map.ts.
import { toHex } from "../../log/bytes.js";
import type { Hash } from "../../log/hash.js";
import {
  VersionedMemoryMapNodeStore,
  type MapEntry,
  type MapKey,
  type MapNodeStore,
  type MapUpdate,
  type SyncMapNodeStore,
} from "../../log/map/index.js";
import type { MapLeaf, MapNodeWrite, MapValueWrite } from "../store/state.js";

/** A batch's map update, computed but not stored. */
export interface PreparedMap {
  /** The map version the update makes: its commitment entry's index. */
  readonly version: number;
  readonly update: MapUpdate;
  readonly values: readonly MapEntry[];
  /**
   * What the batch's append must write for the map (AppendBatch.state's nodes and values), when
   * the map lives in the store; undefined when it lives in memory.
   */
  readonly write: { readonly nodes: MapNodeWrite[]; readonly values: MapValueWrite[] } | undefined;
}

export interface MapStorage {
  /** The map as of `version` (a kept commitment's size), as a node source for log/map's walks. */
  nodesAt(version: number): Pick<MapNodeStore, "getNodes">;
  /** The same, answering synchronously; undefined when the nodes are not in this process. */
  syncNodesAt(version: number): Pick<SyncMapNodeStore, "getNodes"> | undefined;
  /** Whether an update's nodes and values go into the append of its batch (PreparedMap.write). */
  readonly writesWithBatch: boolean;
  /** A value with this hash that this process holds, without a store read. */
  heldValue(hash: Hash): Uint8Array | undefined;
  /** Leaves' values (by key and hash) from wherever they are kept (undefined where none is). */
  readValues(leaves: readonly MapLeaf[]): Promise<(Uint8Array | undefined)[]>;
  /** A prepared update is durable (its batch's append succeeded) as its version. */
  committed(prepared: PreparedMap): void;
  /**
   * Another process wrote map version `version`, whose batch wrote `keys()` (a catch-up passed its
   * commitment); without `keys`, nothing is read back and whatever it may have replaced is forgotten.
   */
  passed(version: number, keys: (() => readonly MapKey[]) | undefined): Promise<void>;
  /** Versions below `floor` need not stay readable. */
  letGo(floor: number): void;
}

/** Nodes by version and the values of kept versions, in this process. */
export class MemoryMapStorage implements MapStorage {
  readonly writesWithBatch = false;
  private readonly nodes = new VersionedMemoryMapNodeStore();
  /** Values by hex hash, with the newest version that wrote each. */
  private readonly values = new Map<string, { value: Uint8Array; writtenAt: number }>();
  /** The hashes each version wrote, oldest version first (insertion order). */
  private readonly written = new Map<number, string[]>();

  nodesAt(version: number): Pick<SyncMapNodeStore, "getNodes"> {
    return this.nodes.at(version);
  }

  syncNodesAt(version: number): Pick<SyncMapNodeStore, "getNodes"> {
    return this.nodes.at(version);
  }

  heldValue(hash: Hash): Uint8Array | undefined {
    return this.values.get(toHex(hash))?.value;
  }

  readValues(leaves: readonly MapLeaf[]): Promise<(Uint8Array | undefined)[]> {
    return Promise.resolve(leaves.map((l) => this.heldValue(l.hash)));
  }

  committed(prepared: PreparedMap): void {
    const { version, update, values } = prepared;
    this.nodes.put(update.writes, version);
    this.written.set(
      version,
      values.map((v, i) => {
        const hex = toHex(update.valueHashes[i]!);
        this.values.set(hex, { value: v.value, writtenAt: version });
        return hex;
      }),
    );
  }

  passed(): Promise<void> {
    // Replays compute every version themselves (committed()).
    return Promise.resolve();
  }

  letGo(floor: number): void {
    for (const [version, hashes] of this.written) {
      if (version >= floor) break;
      this.written.delete(version);
      for (const hex of hashes) if (this.values.get(hex)?.writtenAt === version) this.values.delete(hex);
    }
    this.nodes.setFloor(floor);
  }
}
