// A checked state part (state-checks.ts) as bytes, for the SQLite store's writer thread: one
// transferable buffer instead of a structured clone of thousands of small objects. Layout, all
// big-endian:
//   [rows u32][nodes u32][values u32], then
//   per row:   [table u8][keyLen u16][valueLen u32, 0xffffffff = delete][key][value]
//   per node:  [version f64][pathLen u8][nodeLen u8][path][node]
//   per value: [version f64][valueLen u32][key 32][hash 32][value]
import { HASH_SIZE } from "../../log/hash.js";
import type { CheckedState, StoredRow } from "./state-checks.js";
import type { MapNodeWrite, MapValueWrite } from "./state.js";

const HEAD = 12;
const ROW_HEAD = 7;
const NODE_HEAD = 10;
const VALUE_HEAD = 12 + 2 * HASH_SIZE;
const DELETE = 0xffffffff;

/** The packed size of `state`. */
export function packedStateSize(state: CheckedState): number {
  let n = HEAD;
  for (const r of state.rows) n += ROW_HEAD + r.key.length + (r.value?.length ?? 0);
  for (const x of state.nodes) n += NODE_HEAD + x.path.length + x.node.length;
  for (const v of state.values) n += VALUE_HEAD + v.value.length;
  return n;
}

/** Writes `state` into `bytes` at `at` (packedStateSize(state) bytes); returns the end. */
export function packStateInto(state: CheckedState, bytes: Uint8Array, at: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  view.setUint32(at, state.rows.length);
  view.setUint32(at + 4, state.nodes.length);
  view.setUint32(at + 8, state.values.length);
  at += HEAD;
  for (const r of state.rows) {
    view.setUint8(at, r.table);
    view.setUint16(at + 1, r.key.length);
    view.setUint32(at + 3, r.value === null ? DELETE : r.value.length);
    bytes.set(r.key, at + ROW_HEAD);
    at += ROW_HEAD + r.key.length;
    if (r.value !== null) {
      bytes.set(r.value, at);
      at += r.value.length;
    }
  }
  for (const x of state.nodes) {
    view.setFloat64(at, x.version);
    view.setUint8(at + 8, x.path.length);
    view.setUint8(at + 9, x.node.length);
    bytes.set(x.path, at + NODE_HEAD);
    bytes.set(x.node, at + NODE_HEAD + x.path.length);
    at += NODE_HEAD + x.path.length + x.node.length;
  }
  for (const v of state.values) {
    view.setFloat64(at, v.version);
    view.setUint32(at + 8, v.value.length);
    bytes.set(v.key, at + 12);
    bytes.set(v.hash, at + 12 + HASH_SIZE);
    bytes.set(v.value, at + VALUE_HEAD);
    at += VALUE_HEAD + v.value.length;
  }
  return at;
}

/** The state packed at `at` in `bytes`; the byte arrays returned are views into `bytes`. */
export function unpackState(bytes: Uint8Array, at: number): CheckedState {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const take = (n: number) => bytes.subarray(at, (at += n));
  const counts = [view.getUint32(at), view.getUint32(at + 4), view.getUint32(at + 8)] as const;
  at += HEAD;
  const rows: StoredRow[] = [];
  for (let i = 0; i < counts[0]; i++) {
    const table = view.getUint8(at);
    const keyLen = view.getUint16(at + 1);
    const valueLen = view.getUint32(at + 3);
    at += ROW_HEAD;
    const key = take(keyLen);
    rows.push({ table, key, value: valueLen === DELETE ? null : take(valueLen) });
  }
  const nodes: MapNodeWrite[] = [];
  for (let i = 0; i < counts[1]; i++) {
    const version = view.getFloat64(at);
    const pathLen = view.getUint8(at + 8);
    const nodeLen = view.getUint8(at + 9);
    at += NODE_HEAD;
    nodes.push({ version, path: take(pathLen), node: take(nodeLen) });
  }
  const values: MapValueWrite[] = [];
  for (let i = 0; i < counts[2]; i++) {
    const version = view.getFloat64(at);
    const valueLen = view.getUint32(at + 8);
    at += 12;
    values.push({ version, key: take(HASH_SIZE), hash: take(HASH_SIZE), value: take(valueLen) });
  }
  return { rows, nodes, values };
}
