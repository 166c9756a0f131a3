// Argument checks every LogStore backend applies the same way, before touching its data, so that
// bad input gets the same typed error from every backend (the contract suite holds them to it).
import { MAX_ENTRY_SIZE } from "../../log/bundle.js";
import { HASH_SIZE } from "../../log/hash.js";
import { TILE_WIDTH } from "../../log/tile.js";
import { InvalidWriteError, type AppendBatch } from "./port.js";
import { checkStateWrite, type CheckedState } from "./state-checks.js";

function isCount(n: unknown): n is number {
  return typeof n === "number" && Number.isSafeInteger(n) && n >= 0;
}

/** Throws RangeError unless `n` is a non-negative safe integer. */
export function checkCount(what: string, n: number): void {
  if (!isCount(n)) throw new RangeError(`store: ${what} must be a non-negative integer, got ${String(n)}`);
}

/** Throws RangeError unless [start, end) is a well-formed range within a tree of `size` entries. */
export function checkEntryRange(start: number, end: number, size: number): void {
  checkCount("start", start);
  checkCount("end", end);
  if (start > end) throw new RangeError(`store: range start ${start} is after its end ${end}`);
  if (end > size) throw new RangeError(`store: range end ${end} exceeds the tree size ${size}`);
}

/** Whether tile (level, index) of `width` hashes covers only leaves below `size`. */
function tileInsideTree(level: number, index: number, width: number, size: number): boolean {
  // The tile's last hash covers leaves up to (index * 256 + width) * 256^level; stop multiplying
  // as soon as it passes `size`, so the arithmetic stays exact.
  let end = index * TILE_WIDTH + width;
  for (let l = 0; l < level && end <= size; l++) end *= TILE_WIDTH;
  return end <= size;
}

/** Throws InvalidWriteError unless `note` is a non-empty byte string. */
export function checkNote(note: Uint8Array): void {
  if (!(note instanceof Uint8Array) || note.length === 0) throw new InvalidWriteError("the checkpoint note is empty");
}

/** Whether `batch` is the empty log's checkpoint: no entries, no tiles, at size 0 (see LogStore.append). */
export function isEmptyLogCheckpoint(batch: AppendBatch): boolean {
  return (
    batch.expectedSize === 0 &&
    Array.isArray(batch.entries) &&
    batch.entries.length === 0 &&
    Array.isArray(batch.tiles) &&
    batch.tiles.length === 0
  );
}

/**
 * Checks the shape of a batch; throws RangeError for a bad expectedSize and InvalidWriteError for
 * anything else malformed. Returns the tree size after the batch.
 */
export function checkBatch(batch: AppendBatch): number {
  checkCount("expectedSize", batch.expectedSize);
  if (isEmptyLogCheckpoint(batch)) {
    if (batch.state !== undefined) throw new InvalidWriteError("the empty log's checkpoint has no state part");
    checkNote(batch.checkpoint);
    return 0;
  }
  if (!Array.isArray(batch.entries) || batch.entries.length === 0) {
    throw new InvalidWriteError(
      "a batch needs at least one entry (only the empty log's checkpoint, at size 0, has none)",
    );
  }
  const newSize = batch.expectedSize + batch.entries.length;
  if (!Number.isSafeInteger(newSize)) throw new InvalidWriteError("the tree would outgrow safe integers");
  for (let i = 0; i < batch.entries.length; i++) {
    const e = batch.entries[i];
    if (!(e instanceof Uint8Array)) throw new InvalidWriteError(`entry ${i} of the batch is not bytes`);
    if (e.length > MAX_ENTRY_SIZE) {
      throw new InvalidWriteError(`entry ${i} of the batch has ${e.length} bytes, over ${MAX_ENTRY_SIZE}`);
    }
  }
  if (!Array.isArray(batch.tiles)) throw new InvalidWriteError("the batch has no tile list");
  for (const t of batch.tiles) {
    const at = `tile ${String(t?.level)}/${String(t?.index)}`;
    if (!isCount(t?.level) || !isCount(t.index)) throw new InvalidWriteError(`${at} has a bad level or index`);
    if (!Number.isInteger(t.width) || t.width < 1 || t.width > TILE_WIDTH) {
      throw new InvalidWriteError(`${at} has width ${String(t.width)}, not 1..${TILE_WIDTH}`);
    }
    if (!(t.data instanceof Uint8Array) || t.data.length !== t.width * HASH_SIZE) {
      throw new InvalidWriteError(`${at} must hold exactly ${t.width} hashes of ${HASH_SIZE} bytes`);
    }
    if (!tileInsideTree(t.level, t.index, t.width, newSize)) {
      throw new InvalidWriteError(`${at} of width ${t.width} lies outside a tree of size ${newSize}`);
    }
  }
  checkNote(batch.checkpoint);
  return newSize;
}

/**
 * The state part of a batch that checkBatch accepted (and whose new size it returned), checked
 * and normalised; undefined if it has none. Its map versions must be versions of this batch's
 * commitments: [expectedSize, newSize).
 */
export function checkBatchState(batch: AppendBatch, newSize: number): CheckedState | undefined {
  return batch.state === undefined ? undefined : checkStateWrite(batch.state, batch.expectedSize, newSize);
}
