// The state tables of the in-memory store (state.ts): rows, map nodes and values by version, kept
// in a MemoryLog beside its entries. Writes are staged first and applied in one synchronous step,
// so that a fault injected between the steps of an append (MemoryLog.faults) leaves nothing of it.
import { bytesEqual, fromHex, toHex } from "../../log/bytes.js";
import type { CheckedState } from "./state-checks.js";
import type { MapValueWrite } from "./state.js";

/** One version of a node or a value at its position or key, oldest first in its list. */
interface Version<T> {
  readonly version: number;
  readonly item: T;
}

/** Where a rebuild stands: the tables reflect the log, need a rebuild, or one is under way. */
export type RebuildState = "in-step" | "needed" | "rebuilding";

const copy = (b: Uint8Array) => b.slice();

export class MemoryStateData {
  /** Rows by "table/hex(key)". */
  readonly rows = new Map<string, Uint8Array>();
  /** Node versions by hex(path). */
  readonly nodes = new Map<string, Version<Uint8Array>[]>();
  /** Value versions by hex(map key). */
  readonly values = new Map<string, Version<MapValueWrite>[]>();
  rebuild: RebuildState = "in-step";
  /** The newest rebuild's token (state.ts: RebuildToken); 0 before any. */
  rebuildToken = 0;
  /** When the newest rebuild's last step ran (Date.now()), if one has. */
  rebuildSteppedAt: number | undefined;
  floor = 0;

  clear(): void {
    this.rows.clear();
    this.nodes.clear();
    this.values.clear();
    this.floor = 0;
  }

  /** Copies of a checked state part's bytes, ready to apply: taking them is the staging step. */
  stage(state: CheckedState): CheckedState {
    return {
      rows: state.rows.map((r) => ({ table: r.table, key: copy(r.key), value: r.value && copy(r.value) })),
      nodes: state.nodes.map((n) => ({ path: copy(n.path), version: n.version, node: copy(n.node) })),
      values: state.values.map((v) => ({
        key: copy(v.key),
        version: v.version,
        hash: copy(v.hash),
        value: copy(v.value),
      })),
    };
  }

  /** Applies a staged part (synchronously: nothing else runs between its writes). */
  apply(staged: CheckedState): void {
    for (const r of staged.rows) {
      const k = rowKey(r.table, r.key);
      if (r.value === null) this.rows.delete(k);
      else this.rows.set(k, r.value);
    }
    for (const n of staged.nodes) insertVersion(this.nodes, toHex(n.path), { version: n.version, item: n.node });
    for (const v of staged.values) insertVersion(this.values, toHex(v.key), { version: v.version, item: v });
  }

  /** Rows of `table` with keys after `after` (all when undefined), at most `limit`, in key order. */
  scan(table: number, after: Uint8Array | undefined, limit: number): { key: Uint8Array; value: Uint8Array }[] {
    const prefix = `${table}/`;
    const from = after === undefined ? undefined : prefix + toHex(after);
    // Hex spells bytes in order, two digits each: hex order is bytewise order.
    const keys: string[] = [];
    for (const k of this.rows.keys()) if (k.startsWith(prefix) && (from === undefined || k > from)) keys.push(k);
    keys.sort();
    return keys.slice(0, limit).map((k) => ({ key: fromHex(k.slice(prefix.length)), value: copy(this.rows.get(k)!) }));
  }

  row(table: number, key: Uint8Array): Uint8Array | undefined {
    return this.rows.get(rowKey(table, key));
  }

  node(path: Uint8Array, atVersion: number): Uint8Array | undefined {
    const list = this.nodes.get(toHex(path));
    if (!list) return undefined;
    for (let i = list.length - 1; i >= 0; i--) if (list[i]!.version <= atVersion) return list[i]!.item;
    return undefined;
  }

  /** A kept value of `key` whose hash is `hash`. */
  value(key: Uint8Array, hash: Uint8Array): Uint8Array | undefined {
    return this.values.get(toHex(key))?.find((v) => bytesEqual(v.item.hash, hash))?.item.value;
  }

  /** The newest version any node was written at (0 if none). */
  newestNodeVersion(): number {
    let newest = 0;
    for (const list of this.nodes.values()) newest = Math.max(newest, list[list.length - 1]!.version);
    return newest;
  }

  /** Drops the versions no read at or above `floor` sees, and raises the floor. */
  prune(floor: number): void {
    if (floor <= this.floor) return;
    for (const list of this.nodes.values()) dropBelow(list, floor);
    for (const list of this.values.values()) dropBelow(list, floor);
    this.floor = floor;
  }
}

const rowKey = (table: number, key: Uint8Array) => `${table}/${toHex(key)}`;

/** Inserts in version order; returns the item it replaced at the same version, if any. */
function insertVersion<T>(map: Map<string, Version<T>[]>, k: string, v: Version<T>): T | undefined {
  let list = map.get(k);
  if (!list) map.set(k, (list = []));
  let i = list.length;
  while (i > 0 && list[i - 1]!.version > v.version) i--;
  if (i > 0 && list[i - 1]!.version === v.version) {
    const old = list[i - 1]!.item;
    list[i - 1] = v;
    return old;
  }
  list.splice(i, 0, v);
  return undefined;
}

/** Removes the versions before the newest one at or below `floor`; returns them. */
function dropBelow<T>(list: Version<T>[], floor: number): Version<T>[] {
  let keep = -1;
  for (let i = 0; i < list.length && list[i]!.version <= floor; i++) keep = i;
  return keep > 0 ? list.splice(0, keep) : [];
}
