// Synthetic batches for testing stores: entries, tiles and checkpoints of the right shapes whose
// bytes can be recomputed from (writer, index) alone, so that a test, or a process that reopens the
// store after a crash, can check every byte without remembering what was written. No hashing: the
// store keeps bytes and never looks inside them.
import { HASH_SIZE } from "../../log/hash.js";
import { utf8 } from "../../log/bytes.js";
import { sha256 } from "../../log/hasher.js";
import type { AppendBatch, TileWrite } from "../../services/store/port.js";
import type { StateRowWrite, StateWrite } from "../../services/store/state.js";
import { TILE_WIDTH } from "../../log/tile.js";

/** A tile position and its width in a tree of some size. */
export interface TileShape {
  readonly level: number;
  readonly index: number;
  readonly width: number;
}

/**
 * The tiles a tree growing from `oldSize` to `newSize` creates or widens, with their widths at
 * `newSize` (C2SP tlog-tiles: level L holds the hashes of complete subtrees of 256^L leaves).
 * tilesTouched(0, n) is every tile of a tree of size n.
 */
export function tilesTouched(oldSize: number, newSize: number): TileShape[] {
  const out: TileShape[] = [];
  for (let level = 0, span = 1; Math.floor(newSize / span) > 0; level++, span *= TILE_WIDTH) {
    const before = Math.floor(oldSize / span);
    const after = Math.floor(newSize / span);
    if (after === before) continue;
    for (let index = Math.floor(before / TILE_WIDTH); index * TILE_WIDTH < after; index++) {
      out.push({ level, index, width: Math.min(TILE_WIDTH, after - index * TILE_WIDTH) });
    }
  }
  return out;
}

/** FNV-1a of a string: a cheap, stable mixer for deterministic test bytes. */
function mix(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

function fill(out: Uint8Array, from: number, seed: string): void {
  let h = mix(seed);
  for (let i = from; i < out.length; i++) {
    h = Math.imul(h ^ i, 0x01000193) >>> 0;
    out[i] = h & 0xff;
  }
}

/** The data of tile `shape` as `salt` writes it; a wider tile extends a narrower one's bytes. */
export function syntheticTile(shape: TileShape, salt = ""): TileWrite {
  const data = new Uint8Array(shape.width * HASH_SIZE);
  for (let k = 0; k < shape.width; k++) {
    fill(
      data.subarray(k * HASH_SIZE, (k + 1) * HASH_SIZE),
      0,
      `${salt}/${shape.level}/${shape.index * TILE_WIDTH + k}`,
    );
  }
  return { ...shape, data };
}

/**
 * Entry `index` as `writer` writes it: a header "writer:index:" naming both, then filler bytes.
 * Its total length is `length`, or a pseudo-random one below `maxLength` derived from the header.
 */
export function syntheticEntry(writer: string, index: number, length?: number, maxLength = 600): Uint8Array {
  const header = utf8(`${writer}:${index}:`);
  const n = Math.max(
    header.length,
    length ?? header.length + (mix(`${writer}#${index}`) % (maxLength - header.length)),
  );
  const out = new Uint8Array(n);
  out.set(header);
  fill(out, header.length, `${writer}:${index}`);
  return out;
}

/** The writer and index named in a syntheticEntry's header, or undefined if it has none. */
export function parseSyntheticEntry(entry: Uint8Array): { writer: string; index: number } | undefined {
  let head = "";
  for (let i = 0; i < Math.min(entry.length, 64); i++) head += String.fromCharCode(entry[i]!);
  const m = /^([^:]*):(\d+):/.exec(head);
  return m ? { writer: m[1]!, index: Number(m[2]) } : undefined;
}

/** The checkpoint note `writer` commits at `size`. */
export function syntheticNote(writer: string, size: number): Uint8Array {
  return utf8(`synthetic checkpoint\n${writer}\n${size}\n`);
}

/**
 * A complete batch by `writer` at `expectedSize`: `count` synthetic entries (lengths from
 * `lengthOf`, pseudo-random by default), every tile the growth touches (bytes from `tileSalt`, the
 * same for every writer unless given), and the note.
 */
export function syntheticBatch(
  writer: string,
  expectedSize: number,
  count: number,
  options: { lengthOf?: (index: number) => number; tileSalt?: string } = {},
): AppendBatch {
  const entries: Uint8Array[] = [];
  for (let i = expectedSize; i < expectedSize + count; i++) {
    entries.push(syntheticEntry(writer, i, options.lengthOf?.(i)));
  }
  const newSize = expectedSize + count;
  return {
    expectedSize,
    entries,
    tiles: tilesTouched(expectedSize, newSize).map((t) => syntheticTile(t, options.tileSalt)),
    checkpoint: syntheticNote(writer, newSize),
  };
}

/** The root position's pathBytes, where syntheticState writes its node. */
export const SYNTHETIC_NODE_PATH = new Uint8Array([0]);

/**
 * The state part a batch of `count` entries at `expectedSize` by `writer` carries, recomputable
 * like its entries: label row "size" = the new size; labelEntry row "e<index>" = the writer, per
 * entry; the node at SYNTHETIC_NODE_PATH and a value, both at version newSize - 1. So after any
 * crash, the state reflects the tree size exactly when "size" equals it and the rows of the
 * entries are there, and no others.
 */
export function syntheticState(writer: string, expectedSize: number, count: number): StateWrite {
  const newSize = expectedSize + count;
  const rows: StateRowWrite[] = [{ table: "label", key: "size", value: utf8(String(newSize)) }];
  for (let i = expectedSize; i < newSize; i++) rows.push({ table: "labelEntry", key: `e${i}`, value: utf8(writer) });
  // A real digest: fill() mixes through 32 bits, and two sizes' values would collide.
  const value = utf8(`${writer} ${newSize}`);
  return {
    rows,
    nodes: [{ path: SYNTHETIC_NODE_PATH, version: newSize - 1, node: syntheticMapNode(newSize) }],
    values: [{ key: new Uint8Array(HASH_SIZE), version: newSize - 1, hash: sha256(value), value }],
  };
}

/** The node bytes syntheticState writes for a tree of `size`. */
export function syntheticMapNode(size: number): Uint8Array {
  return utf8(`node of ${size}`);
}
