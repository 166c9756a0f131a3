// Reads of the log itself, with no transport: the latest checkpoint, inclusion and consistency
// proofs, entries, tiles and a feed of checkpoints. The gRPC LogService (services/grpc/log.ts)
// is a thin adapter over this; the HTTP gateway can be too.
import { encodeBundle } from "../../log/bundle.js";
import { parseSignedNote } from "../../log/note.js";
import { proveConsistency, proveInclusion } from "../../log/prove.js";
import { HASH_SIZE, type Hash } from "../../log/hash.js";
import { MAX_TILE_LEVEL, TILE_WIDTH, bundlePath, tilePath, tileWidthInTree } from "../../log/tile.js";
import type { GetCheckpointResponse } from "../../proto/gen/messages/labelreg/v1/log_service.js";
import type { LogView } from "../readmodel/log-view.js";
import { LeafIndex } from "./leaf-index.js";

/** Most entries one GetEntries call may ask for. */
export const MAX_ENTRIES_PER_CALL = 65_536;
/** Entries per streamed message (one bundle's worth). */
export const ENTRIES_PER_MESSAGE = 256;

export type LogReadErrorCode = "INVALID_ARGUMENT" | "OUT_OF_RANGE" | "NOT_FOUND" | "UNAVAILABLE";

/** A refused read; `rule` is a stable machine name, `message` for people. */
export class LogReadError extends Error {
  constructor(
    readonly code: LogReadErrorCode,
    readonly rule: string,
    message: string,
  ) {
    super(message);
    this.name = "LogReadError";
  }
}

export interface CheckpointView {
  /** The signed note with any cosignatures; "" for an empty log. */
  readonly note: string;
  readonly size: number;
  /** Signature names other than the log's origin: the witnesses that cosigned. */
  readonly cosigners: string[];
  /** While `note` awaits the cosignatures the witness policy requires: the newest that has them. */
  readonly witnessed?: { readonly note: string; readonly size: number };
}

/** The GetCheckpoint answer (gRPC and the JSON API) for a checkpoint view. */
export function checkpointResponse(c: CheckpointView): GetCheckpointResponse {
  return {
    checkpoint: c.note,
    treeSize: BigInt(c.size),
    cosigners: c.cosigners,
    witnessedCheckpoint: c.witnessed?.note ?? "",
    witnessedTreeSize: BigInt(c.witnessed?.size ?? 0),
  };
}

export interface InclusionAnswer {
  readonly index: number;
  readonly treeSize: number;
  readonly proof: Hash[];
  readonly entry: Uint8Array;
  /** The signed checkpoint when treeSize is the latest size, else "". */
  readonly checkpoint: string;
}

export interface ConsistencyAnswer {
  readonly firstSize: number;
  readonly secondSize: number;
  readonly proof: Hash[];
  readonly checkpoint: string;
}

export interface TileAnswer {
  readonly data: Uint8Array;
  readonly width: number;
  readonly path: string;
}

/** Something that says when the latest checkpoint's note changed without the log growing (cosigned). */
export type NoteChanges = (listener: (size: number) => void) => () => void;

function checkNumber(what: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new LogReadError("INVALID_ARGUMENT", "bad-number", `${what} ${n} is not a non-negative integer below 2^53`);
}

export class LogReads {
  private readonly leaves = new LeafIndex();

  constructor(
    readonly view: LogView,
    readonly origin: string,
    private readonly noteChanges?: NoteChanges,
  ) {}

  checkpoint(): CheckpointView {
    const note = this.view.checkpoint;
    const size = this.view.size;
    if (note === "") return { note, size, cosigners: [] };
    const names = new Set(parseSignedNote(note).signatures.map((s) => s.name));
    names.delete(this.origin);
    const w = this.view.witnessed;
    const witnessed = w && w.tree.size < size ? { note: w.checkpoint, size: w.tree.size } : undefined;
    return { note, size, cosigners: [...names], witnessed };
  }

  /** `size` 0 means the latest; anything beyond the latest is OUT_OF_RANGE. */
  private resolveSize(size: number): number {
    checkNumber("tree size", size);
    const latest = this.view.size;
    if (size === 0) {
      if (latest === 0) throw new LogReadError("OUT_OF_RANGE", "empty-log", "the log is empty");
      return latest;
    }
    if (size > latest)
      throw new LogReadError("OUT_OF_RANGE", "beyond-tree-size", `tree size ${size} is beyond the latest ${latest}`);
    return size;
  }

  private checkpointIfLatest(size: number): string {
    return size === this.view.size ? this.view.checkpoint : "";
  }

  async inclusionProof(leaf: { index: number } | { leafHash: Uint8Array }, treeSize: number): Promise<InclusionAnswer> {
    const size = this.resolveSize(treeSize);
    const tree = this.view.tree;
    const reader = this.view.hashReader(tree);
    let index: number;
    if ("index" in leaf) {
      checkNumber("index", leaf.index);
      if (leaf.index >= size)
        throw new LogReadError(
          "OUT_OF_RANGE",
          "index-beyond-tree",
          `index ${leaf.index} is not below tree size ${size}`,
        );
      index = leaf.index;
    } else {
      if (!(leaf.leafHash instanceof Uint8Array) || leaf.leafHash.length !== HASH_SIZE) {
        throw new LogReadError("INVALID_ARGUMENT", "bad-leaf-hash", `a leaf hash is ${HASH_SIZE} bytes`);
      }
      const found = await this.leaves.find(leaf.leafHash, size, reader);
      if (found === undefined)
        throw new LogReadError("NOT_FOUND", "leaf-not-found", `no leaf with that hash in the tree of size ${size}`);
      index = found;
    }
    const checkpoint = this.checkpointIfLatest(size);
    const [proof, entries] = await Promise.all([
      proveInclusion(reader, index, size),
      this.view.store.readEntries(index, index + 1),
    ]);
    return { index, treeSize: size, proof, entry: entries[0]!, checkpoint };
  }

  async consistencyProof(firstSize: number, secondSize: number): Promise<ConsistencyAnswer> {
    checkNumber("first size", firstSize);
    const second = this.resolveSize(secondSize);
    if (firstSize < 1)
      throw new LogReadError(
        "INVALID_ARGUMENT",
        "bad-first-size",
        "first size must be at least 1 (RFC 9162 defines no proof from the empty tree)",
      );
    if (firstSize > second)
      throw new LogReadError(
        "INVALID_ARGUMENT",
        "size-order",
        `first size ${firstSize} is beyond second size ${second}`,
      );
    const checkpoint = this.checkpointIfLatest(second);
    const proof = await proveConsistency(this.view.hashReader(this.view.tree), firstSize, second);
    return { firstSize, secondSize: second, proof, checkpoint };
  }

  /** Validates [start, end) against the limits and the tree; returns the chunk starts. */
  checkEntryRange(start: number, end: number): void {
    checkNumber("start", start);
    checkNumber("end", end);
    if (start >= end)
      throw new LogReadError("INVALID_ARGUMENT", "empty-range", `start ${start} must be below end ${end}`);
    if (end - start > MAX_ENTRIES_PER_CALL) {
      throw new LogReadError(
        "INVALID_ARGUMENT",
        "range-too-large",
        `at most ${MAX_ENTRIES_PER_CALL} entries per call, asked for ${end - start}`,
      );
    }
    if (end > this.view.size)
      throw new LogReadError(
        "OUT_OF_RANGE",
        "beyond-tree-size",
        `end ${end} is beyond the tree size ${this.view.size}`,
      );
  }

  /** Entries [start, end) in chunks of at most ENTRIES_PER_MESSAGE, read as the consumer pulls. */
  async *entries(start: number, end: number): AsyncGenerator<{ start: number; entries: Uint8Array[] }> {
    this.checkEntryRange(start, end);
    for (let at = start; at < end; at += ENTRIES_PER_MESSAGE) {
      const to = Math.min(end, at + ENTRIES_PER_MESSAGE);
      yield { start: at, entries: await this.view.store.readEntries(at, to) };
    }
  }

  /** A hash tile (level, index) at `width` (0 = full), or the entry bundle `index` if `bundle`. */
  async tile(level: number, index: number, width: number, bundle: boolean): Promise<TileAnswer> {
    checkNumber("index", index);
    checkNumber("width", width);
    const w = width === 0 ? TILE_WIDTH : width;
    if (w > TILE_WIDTH)
      throw new LogReadError("INVALID_ARGUMENT", "bad-width", `width ${width} is not in 0..${TILE_WIDTH}`);
    const l = bundle ? 0 : level;
    if (!Number.isInteger(l) || l < 0 || l > MAX_TILE_LEVEL)
      throw new LogReadError("INVALID_ARGUMENT", "bad-level", `level ${level} is not in 0..${MAX_TILE_LEVEL}`);
    let path: string;
    try {
      path = bundle ? bundlePath({ index, width: w }) : tilePath({ level: l, index, width: w });
    } catch (e) {
      throw new LogReadError("INVALID_ARGUMENT", "bad-tile", e instanceof Error ? e.message : String(e));
    }
    const tree = this.view.tree;
    const have = tileWidthInTree(l, index, tree.size);
    if (have < w)
      throw new LogReadError("NOT_FOUND", "no-such-tile", `${path} does not exist in the tree of size ${tree.size}`);
    if (bundle) {
      const first = index * TILE_WIDTH;
      return { data: encodeBundle(await this.view.store.readEntries(first, first + w)), width: w, path };
    }
    return { data: await this.view.storeFetcher()(l, index, w), width: w, path };
  }

  /**
   * The latest checkpoint if its size exceeds `afterSize`, then every later one, and the same
   * size again whenever its note gains cosignatures. Ends when `signal` aborts.
   */
  async *watch(afterSize: number, signal: AbortSignal): AsyncGenerator<{ note: string; size: number }> {
    checkNumber("after size", afterSize);
    let wake: (() => void) | undefined;
    const poke = () => wake?.();
    const offAdvance = this.view.onAdvance(poke);
    const offNote = this.noteChanges?.(poke);
    const onAbort = () => poke();
    signal.addEventListener("abort", onAbort);
    try {
      // after_size 0 starts with the current checkpoint, the empty log's (size 0) included.
      let sentSize = afterSize === 0 ? -1 : afterSize;
      let sentNote = "";
      for (;;) {
        if (signal.aborted) return;
        const waiting = new Promise<void>((res) => (wake = res));
        const note = this.view.checkpoint;
        const size = this.view.size;
        if (note !== "" && (size > sentSize || (size === sentSize && sentNote !== "" && note !== sentNote))) {
          sentSize = size;
          sentNote = note;
          yield { note, size };
          continue;
        }
        await waiting;
      }
    } finally {
      offAdvance();
      offNote?.();
      signal.removeEventListener("abort", onAbort);
    }
  }
}
