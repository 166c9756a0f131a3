// The thread of SqliteWriter (sqlite-writer.ts): the second connection to the store's file, which
// commits each packed batch (packBatch) as one BEGIN IMMEDIATE transaction with
// synchronous=FULL, after checking that the log still has the size the batch expects (the
// compare-and-set every LogStore makes). Messages in: { id, buffer } and "close"; out: { ready },
// { id }, { id, conflict: actual size } or { id, error }.
import Database from "better-sqlite3";
import { parentPort, workerData } from "node:worker_threads";
import { HASH_SIZE } from "../../log/hash.js";
import { BATCH_HEAD, ENTRY_HEAD, TILE_HEAD, type WriterReply } from "./sqlite-writer.js";

const { file, busyTimeoutMs } = workerData as { file: string; busyTimeoutMs: number };
const db = new Database(file, { timeout: busyTimeoutMs });
db.pragma("journal_mode = WAL");
db.pragma("synchronous = FULL");
db.pragma("journal_size_limit = 67108864");
const size = db.prepare<[], number>("SELECT coalesce(max(size), 0) FROM checkpoints").pluck();
const anyCheckpoint = db.prepare<[], number>("SELECT count(*) FROM checkpoints").pluck();
const insertEntry = db.prepare("INSERT INTO entries (idx, data) VALUES (?, ?)");
const upsertTile = db.prepare(
  "INSERT INTO tiles (level, idx, width, data) VALUES (?, ?, ?, ?) " +
    "ON CONFLICT (level, idx) DO UPDATE SET width = excluded.width, data = excluded.data WHERE excluded.width > tiles.width",
);
const insertCheckpoint = db.prepare("INSERT INTO checkpoints (size, note) VALUES (?, ?)");

class Conflict {
  constructor(readonly actual: number) {}
}

const append = db.transaction((buffer: ArrayBuffer) => {
  const view = new DataView(buffer);
  const bytes = Buffer.from(buffer);
  const expected = view.getFloat64(0);
  const newSize = view.getFloat64(8);
  const entries = view.getUint32(16);
  const tiles = view.getUint32(20);
  const noteLen = view.getUint32(24);
  const actual = size.get()!;
  if (actual !== expected) throw new Conflict(actual);
  // The empty log's checkpoint (no entries) is stored only into a store without any checkpoint.
  if (entries === 0 && anyCheckpoint.get()! > 0) throw new Conflict(actual);
  let head = BATCH_HEAD;
  let at = BATCH_HEAD + ENTRY_HEAD * entries + TILE_HEAD * tiles;
  for (let i = 0; i < entries; i++, head += ENTRY_HEAD) {
    const len = view.getUint32(head);
    insertEntry.run(expected + i, bytes.subarray(at, at + len));
    at += len;
  }
  for (let i = 0; i < tiles; i++, head += TILE_HEAD) {
    const level = view.getUint32(head);
    const width = view.getUint32(head + 4);
    const index = view.getFloat64(head + 8);
    upsertTile.run(level, index, width, bytes.subarray(at, at + width * HASH_SIZE));
    at += width * HASH_SIZE;
  }
  insertCheckpoint.run(newSize, bytes.subarray(at, at + noteLen));
});

const reply = (m: WriterReply) => parentPort!.postMessage(m);

parentPort!.on("message", (msg: "close" | { id: number; buffer: ArrayBuffer }) => {
  if (msg === "close") {
    db.close();
    parentPort!.close();
    return;
  }
  try {
    append.immediate(msg.buffer);
    reply({ id: msg.id });
  } catch (e) {
    if (e instanceof Conflict) reply({ id: msg.id, conflict: e.actual });
    else reply({ id: msg.id, error: e instanceof Error ? e.message : String(e) });
  }
});
reply({ ready: true });
