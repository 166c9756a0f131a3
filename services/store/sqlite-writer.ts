// The SQLite store's write connection, on a worker thread. better-sqlite3 is synchronous: an
// append on the event loop would block it for the whole transaction, fsync included (a few ms,
// far more on a busy disk), and every caller of the process would wait. Here the worker owns a
// second connection to the same file and runs each append as one BEGIN IMMEDIATE transaction
// with synchronous=FULL; the event loop only packs the batch into one buffer (transferred, not
// copied) and is told the outcome. Reads stay on the store's own connection: WAL lets them run
// beside the writer and see each commit once it is made.
//
// Appends are committed in the order they are sent. If the worker dies, the appends it was given
// fail with StoreUnavailableError (their outcome is unknown, as the port says) and the next
// append starts a new worker.
import type { Worker } from "node:worker_threads";
import { startWorker } from "../workers/start.js";
import {
  InvalidWriteError,
  RebuildSupersededError,
  SizeConflictError,
  StateRebuildingError,
  StoreUnavailableError,
  type AppendBatch,
} from "./port.js";
import type { CheckedState } from "./state-checks.js";
import { packedStateSize, packStateInto } from "./state-pack.js";

// A packed batch (packBatch), in float64 then uint32 fields:
// [expectedSize f64][newSize f64][entries u32][tiles u32][noteLen u32]
// [entryLen u32 x entries][level u32, width u32, index f64 x tiles], then the entry bytes,
// the tile bytes (width * 32 each) and the note, back to back; then, if the batch has a state
// part, that part (state-pack.ts) to the end of the buffer.
export const BATCH_HEAD = 28;
export const ENTRY_HEAD = 4;
export const TILE_HEAD = 16;

/**
 * What the writer's thread (sqlite-write-worker.ts) is asked: an append (a packed batch), or a
 * step of the state tables' upkeep, each one transaction.
 */
export type WriterRequest =
  | { readonly op: "append"; readonly buffer: ArrayBuffer }
  | { readonly op: "prune"; readonly floor: number }
  | { readonly op: "begin-rebuild"; readonly expectedSize: number }
  | { readonly op: "finish-rebuild"; readonly token: number; readonly expectedSize: number }
  | {
      readonly op: "write-rebuild";
      readonly token: number;
      readonly expectedSize: number;
      readonly buffer: ArrayBuffer;
    };

/**
 * What the writer's thread answers: done (with the token a begin-rebuild gave), a lost
 * compare-and-set (the actual size), a malformed request (invalid: InvalidWriteError's reason;
 * range: RangeError), a state part refused during a rebuild (rebuilding: StateRebuildingError), a
 * superseded rebuild step (superseded: RebuildSupersededError's token and newest), or a failure.
 */
export type WriterReply =
  | { ready: true }
  | {
      id: number;
      token?: number;
      conflict?: number;
      invalid?: string;
      range?: string;
      rebuilding?: true;
      superseded?: readonly [token: number, newest: number];
      error?: string;
    };

interface Waiter {
  readonly expectedSize: number;
  readonly resolve: (token: number | undefined) => void;
  readonly reject: (e: unknown) => void;
}

/** Packs a checked batch and its checked state part into one transferable buffer (the layout above). */
export function packBatch(batch: AppendBatch, newSize: number, state?: CheckedState): ArrayBuffer {
  let size = BATCH_HEAD + ENTRY_HEAD * batch.entries.length + TILE_HEAD * batch.tiles.length + batch.checkpoint.length;
  if (state) size += packedStateSize(state);
  for (const e of batch.entries) size += e.length;
  for (const t of batch.tiles) size += t.data.length;
  const buffer = new ArrayBuffer(size);
  const view = new DataView(buffer);
  const bytes = new Uint8Array(buffer);
  view.setFloat64(0, batch.expectedSize);
  view.setFloat64(8, newSize);
  view.setUint32(16, batch.entries.length);
  view.setUint32(20, batch.tiles.length);
  view.setUint32(24, batch.checkpoint.length);
  let head = BATCH_HEAD;
  let at = BATCH_HEAD + ENTRY_HEAD * batch.entries.length + TILE_HEAD * batch.tiles.length;
  for (const e of batch.entries) {
    view.setUint32(head, e.length);
    head += ENTRY_HEAD;
    bytes.set(e, at);
    at += e.length;
  }
  for (const t of batch.tiles) {
    view.setUint32(head, t.level);
    view.setUint32(head + 4, t.width);
    view.setFloat64(head + 8, t.index);
    head += TILE_HEAD;
    bytes.set(t.data, at);
    at += t.data.length;
  }
  bytes.set(batch.checkpoint, at);
  if (state) packStateInto(state, bytes, at + batch.checkpoint.length);
  return buffer;
}

/** A checked state part alone in a transferable buffer (a rebuild's part). */
export function packState(state: CheckedState): ArrayBuffer {
  const bytes = new Uint8Array(packedStateSize(state));
  packStateInto(state, bytes, 0);
  return bytes.buffer;
}

/** The write connection's thread. One per store instance, started by start() or the first append. */
export class SqliteWriter {
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private readonly waiting = new Map<number, Waiter>();
  private nextId = 0;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly file: string,
    private readonly busyTimeoutMs: number,
  ) {}

  /**
   * Commits a batch that checkBatch accepted, with its new size and checked state part; durable
   * once it resolves. Rejects with SizeConflictError or StateRebuildingError (nothing written) or
   * StoreUnavailableError (outcome unknown).
   */
  async append(batch: AppendBatch, newSize: number, state?: CheckedState): Promise<void> {
    // Packing copies the caller's bytes now, as the port promises.
    const buffer = packBatch(batch, newSize, state);
    await this.run({ op: "append", buffer }, batch.expectedSize);
  }

  /**
   * Runs one request in its own transaction; durable once it resolves, with the token a
   * begin-rebuild gave. Rejects with SizeConflictError (against `expectedSize`), InvalidWriteError
   * (RebuildSupersededError among them) or RangeError (nothing written), or StoreUnavailableError
   * (outcome unknown).
   */
  async run(request: WriterRequest, expectedSize = 0): Promise<number | undefined> {
    const worker = this.start();
    await this.ready;
    const id = this.nextId++;
    const done = new Promise<number | undefined>((resolve, reject) => {
      this.waiting.set(id, { expectedSize, resolve, reject });
      worker.ref(); // a request in flight keeps the process alive; an idle writer does not
      const transfer = "buffer" in request ? [request.buffer] : [];
      worker.postMessage({ id, ...request }, transfer);
    });
    this.inFlight.add(done);
    try {
      return await done;
    } finally {
      this.inFlight.delete(done);
    }
  }

  /** Closes the write connection once the appends already sent are done. */
  async close(): Promise<void> {
    await Promise.allSettled(this.inFlight);
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    const exited = new Promise<void>((r) => worker.once("exit", () => r()));
    worker.ref(); // until it has closed the database
    worker.postMessage("close");
    await exited;
  }

  /** Starts the thread (once); appends wait for it to be ready. */
  start(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorker(new URL("./sqlite-write-worker.ts", import.meta.url), {
      workerData: { file: this.file, busyTimeoutMs: this.busyTimeoutMs },
    });
    worker.unref(); // an idle writer never keeps the process alive; an append refs it
    this.worker = worker;
    this.ready = new Promise<void>((resolve, reject) => {
      worker.on("message", (m: WriterReply) => {
        if ("ready" in m) return resolve();
        const w = this.waiting.get(m.id);
        if (!w) return;
        this.waiting.delete(m.id);
        if (this.waiting.size === 0) worker.unref();
        if (m.conflict !== undefined) w.reject(new SizeConflictError(w.expectedSize, m.conflict));
        else if (m.invalid !== undefined) w.reject(new InvalidWriteError(m.invalid));
        else if (m.range !== undefined) w.reject(new RangeError(m.range));
        else if (m.rebuilding) w.reject(new StateRebuildingError());
        else if (m.superseded) w.reject(new RebuildSupersededError(...m.superseded));
        else if (m.error !== undefined) w.reject(new StoreUnavailableError(`store: sqlite append failed: ${m.error}`));
        else w.resolve(m.token);
      });
      const fail = (e: unknown) => {
        if (this.worker === worker) this.worker = undefined;
        const err = new StoreUnavailableError(
          `store: sqlite writer stopped: ${e instanceof Error ? e.message : String(e)}`,
          { cause: e },
        );
        reject(err);
        for (const w of this.waiting.values()) w.reject(err);
        this.waiting.clear();
      };
      worker.on("error", fail);
      worker.on("exit", (code) => fail(new Error(`exit ${code}`)));
    });
    this.ready.catch(() => undefined); // reported to each append that waits on it
    return worker;
  }
}
