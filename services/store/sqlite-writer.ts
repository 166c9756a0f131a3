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
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { SizeConflictError, StoreUnavailableError, type AppendBatch } from "./port.js";

// Plain JavaScript (no loader in a worker). A packed batch is, in float64 then uint32 fields:
// [expectedSize f64][newSize f64][entries u32][tiles u32][noteLen u32]
// [entryLen u32 x entries][level u32, width u32, index f64 x tiles], then the entry bytes,
// the tile bytes (width * 32 each) and the note, back to back.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.file, { timeout: workerData.busyTimeoutMs });
db.pragma("journal_mode = WAL");
db.pragma("synchronous = FULL");
db.pragma("journal_size_limit = 67108864");
const size = db.prepare("SELECT coalesce(max(size), 0) FROM checkpoints").pluck();
const anyCheckpoint = db.prepare("SELECT count(*) FROM checkpoints").pluck();
const insertEntry = db.prepare("INSERT INTO entries (idx, data) VALUES (?, ?)");
const upsertTile = db.prepare(
  "INSERT INTO tiles (level, idx, width, data) VALUES (?, ?, ?, ?) " +
  "ON CONFLICT (level, idx) DO UPDATE SET width = excluded.width, data = excluded.data WHERE excluded.width > tiles.width");
const insertCheckpoint = db.prepare("INSERT INTO checkpoints (size, note) VALUES (?, ?)");
class Conflict { constructor(actual) { this.actual = actual; } }
const append = db.transaction((buffer) => {
  const view = new DataView(buffer);
  const bytes = Buffer.from(buffer);
  const expected = view.getFloat64(0);
  const newSize = view.getFloat64(8);
  const entries = view.getUint32(16);
  const tiles = view.getUint32(20);
  const noteLen = view.getUint32(24);
  const actual = size.get();
  if (actual !== expected) throw new Conflict(actual);
  // The empty log's checkpoint (no entries) is stored only into a store without any checkpoint.
  if (entries === 0 && anyCheckpoint.get() > 0) throw new Conflict(actual);
  let head = 28;
  let at = 28 + 4 * entries + 16 * tiles;
  for (let i = 0; i < entries; i++, head += 4) {
    const len = view.getUint32(head);
    insertEntry.run(expected + i, bytes.subarray(at, at + len));
    at += len;
  }
  for (let i = 0; i < tiles; i++, head += 16) {
    const level = view.getUint32(head);
    const width = view.getUint32(head + 4);
    const index = view.getFloat64(head + 8);
    upsertTile.run(level, index, width, bytes.subarray(at, at + width * 32));
    at += width * 32;
  }
  insertCheckpoint.run(newSize, bytes.subarray(at, at + noteLen));
});
parentPort.on("message", (msg) => {
  if (msg === "close") { db.close(); parentPort.close(); return; }
  const { id, buffer } = msg;
  try {
    append.immediate(buffer);
    parentPort.postMessage({ id });
  } catch (e) {
    if (e instanceof Conflict) parentPort.postMessage({ id, conflict: e.actual });
    else parentPort.postMessage({ id, error: String(e && e.message || e) });
  }
});
parentPort.postMessage({ ready: true });
`;

interface Waiter {
  readonly expectedSize: number;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

type Reply = { ready: true } | { id: number; conflict?: number; error?: string };

/** Packs a checked batch into one transferable buffer (the layout above). */
export function packBatch(batch: AppendBatch, newSize: number): ArrayBuffer {
  let size = 28 + 4 * batch.entries.length + 16 * batch.tiles.length + batch.checkpoint.length;
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
  let head = 28;
  let at = 28 + 4 * batch.entries.length + 16 * batch.tiles.length;
  for (const e of batch.entries) {
    view.setUint32(head, e.length);
    head += 4;
    bytes.set(e, at);
    at += e.length;
  }
  for (const t of batch.tiles) {
    view.setUint32(head, t.level);
    view.setUint32(head + 4, t.width);
    view.setFloat64(head + 8, t.index);
    head += 16;
    bytes.set(t.data, at);
    at += t.data.length;
  }
  bytes.set(batch.checkpoint, at);
  return buffer;
}

/** The write connection's thread. One per store instance, started by the first append. */
export class SqliteWriter {
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private readonly waiting = new Map<number, Waiter>();
  private nextId = 0;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly file: string,
    private readonly busyTimeoutMs: number,
  ) {}

  /**
   * Commits a batch that checkBatch accepted, with its new size; durable once it resolves.
   * Rejects with SizeConflictError (nothing written) or StoreUnavailableError (outcome unknown).
   */
  async append(batch: AppendBatch, newSize: number): Promise<void> {
    const buffer = packBatch(batch, newSize); // copies the caller's bytes now, as the port promises
    const worker = this.start();
    await this.ready;
    const id = this.nextId++;
    const done = new Promise<void>((resolve, reject) => {
      this.waiting.set(id, { expectedSize: batch.expectedSize, resolve, reject });
      worker.ref(); // an append in flight keeps the process alive; an idle writer does not
      worker.postMessage({ id, buffer }, [buffer]);
    });
    this.inFlight.add(done);
    try {
      await done;
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

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { file: this.file, busyTimeoutMs: this.busyTimeoutMs, driver: createRequire(import.meta.url).resolve("better-sqlite3") },
    });
    this.worker = worker;
    this.ready = new Promise<void>((resolve, reject) => {
      worker.on("message", (m: Reply) => {
        if ("ready" in m) return resolve();
        const w = this.waiting.get(m.id);
        if (!w) return;
        this.waiting.delete(m.id);
        if (this.waiting.size === 0) worker.unref();
        if (m.conflict !== undefined) w.reject(new SizeConflictError(w.expectedSize, m.conflict));
        else if (m.error !== undefined) w.reject(new StoreUnavailableError(`store: sqlite append failed: ${m.error}`));
        else w.resolve();
      });
      const fail = (e: unknown) => {
        if (this.worker === worker) this.worker = undefined;
        const err = new StoreUnavailableError(`store: sqlite writer stopped: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
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
