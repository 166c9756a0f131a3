// The thread of SqliteWriter (sqlite-writer.ts): the second connection to the store's file, which
// commits each packed batch (packBatch) as one BEGIN IMMEDIATE transaction with
// synchronous=FULL, after checking that the log still has the size the batch expects (the
// compare-and-set every LogStore makes), with the batch's state part in the same transaction
// (refused while the state tables are marked for a rebuild);
// and the state tables' upkeep (pruning, rebuild steps), one transaction each. Messages in:
// { id, ...WriterRequest } and "close"; out: WriterReply.
//
// A commit is durable once its write-ahead log frames are synced; copying them back into the
// database file (a checkpoint) is most of a large commit's time, and SQLite's automatic
// checkpoint does it inside the commit, before the reply. Here it runs after the reply, while
// the sequencer prepares its next batch.
import Database from "better-sqlite3";
import { parentPort, workerData } from "node:worker_threads";
import { HASH_SIZE } from "../../log/hash.js";
import { REBUILD_IN_STEP, REBUILDING } from "./sqlite-schema.js";
import { BATCH_HEAD, ENTRY_HEAD, TILE_HEAD, type WriterReply, type WriterRequest } from "./sqlite-writer.js";
import { InvalidWriteError, RebuildSupersededError } from "./port.js";
import { guardRebuildToken, notRebuilding, type CheckedState } from "./state-checks.js";
import { unpackState } from "./state-pack.js";

const { file, busyTimeoutMs } = workerData as { file: string; busyTimeoutMs: number };
const db = new Database(file, { timeout: busyTimeoutMs });
db.pragma("journal_mode = WAL");
db.pragma("synchronous = FULL");
db.pragma("journal_size_limit = 67108864");
db.pragma("wal_autocheckpoint = 0");
const size = db.prepare<[], number>("SELECT coalesce(max(size), 0) FROM checkpoints").pluck();
const anyCheckpoint = db.prepare<[], number>("SELECT count(*) FROM checkpoints").pluck();
const insertEntry = db.prepare("INSERT INTO entries (idx, data) VALUES (?, ?)");
const upsertTile = db.prepare(
  "INSERT INTO tiles (level, idx, width, data) VALUES (?, ?, ?, ?) " +
    "ON CONFLICT (level, idx) DO UPDATE SET width = excluded.width, data = excluded.data WHERE excluded.width > tiles.width",
);
const insertCheckpoint = db.prepare("INSERT INTO checkpoints (size, note) VALUES (?, ?)");
const upsertRow = db.prepare(
  "INSERT INTO state_rows (tbl, key, value) VALUES (?, ?, ?) ON CONFLICT (tbl, key) DO UPDATE SET value = excluded.value",
);
const deleteRow = db.prepare("DELETE FROM state_rows WHERE tbl = ? AND key = ?");
const upsertNode = db.prepare(
  "INSERT INTO map_nodes (path, version, node) VALUES (?, ?, ?) ON CONFLICT (path, version) DO UPDATE SET node = excluded.node",
);
const upsertValue = db.prepare(
  "INSERT INTO map_values (key, version, hash, value) VALUES (?, ?, ?, ?) " +
    "ON CONFLICT (key, version) DO UPDATE SET hash = excluded.hash, value = excluded.value",
);
const noteNodeWrite = db.prepare("INSERT OR IGNORE INTO map_node_writes (version, path) VALUES (?, ?)");
const noteValueWrite = db.prepare("INSERT OR IGNORE INTO map_value_writes (version, key) VALUES (?, ?)");
const meta = db.prepare<[], { rebuild: number; map_floor: number; rebuild_token: number }>(
  "SELECT rebuild, map_floor, rebuild_token FROM state_meta",
);
const setRebuild = db.prepare<[number]>("UPDATE state_meta SET rebuild = ?");
const nextRebuildToken = db
  .prepare<[], number>("UPDATE state_meta SET rebuild_token = rebuild_token + 1 RETURNING rebuild_token")
  .pluck();
const setFloor = db.prepare<[number]>("UPDATE state_meta SET map_floor = ?");
// This thread's clock: the readers that compare with it (status) run on the same machine.
const recordRebuildStep = db.prepare<[number]>("UPDATE state_meta SET rebuild_stepped_at = ?");
const newestNodeVersion = db.prepare<[], number>("SELECT coalesce(max(version), 0) FROM map_nodes").pluck();
// Only positions (keys) written in (old floor, new floor], the journal's rows up to the new floor,
// can have a version newly superseded at or below it, so pruning costs what was written since
// the last prune, not the table.
const pruneNodes = db.prepare<{ floor: number }>(
  `DELETE FROM map_nodes AS n WHERE n.version < $floor
     AND n.path IN (SELECT path FROM map_node_writes WHERE version <= $floor)
     AND EXISTS (SELECT 1 FROM map_nodes m WHERE m.path = n.path AND m.version > n.version AND m.version <= $floor)`,
);
const pruneValues = db.prepare<{ floor: number }>(
  `DELETE FROM map_values AS n WHERE n.version < $floor
     AND n.key IN (SELECT key FROM map_value_writes WHERE version <= $floor)
     AND EXISTS (SELECT 1 FROM map_values m WHERE m.key = n.key AND m.version > n.version AND m.version <= $floor)`,
);
const forgetNodeWrites = db.prepare<[number]>("DELETE FROM map_node_writes WHERE version <= ?");
const forgetValueWrites = db.prepare<[number]>("DELETE FROM map_value_writes WHERE version <= ?");

class Conflict {
  constructor(readonly actual: number) {}
}
class OutOfRange {
  constructor(readonly message: string) {}
}
/** A state part while the tables are marked for a rebuild (StateRebuildingError). */
class Rebuilding {}

/**
 * Writes a state part; an append's map writes go into the journals too. A rebuild's do not: it
 * writes the newest map only, which no later version supersedes before the next appends.
 */
function writeState(state: CheckedState, journal: boolean): void {
  for (const r of state.rows) {
    if (r.value === null) deleteRow.run(r.table, r.key);
    else upsertRow.run(r.table, r.key, r.value);
  }
  for (const n of state.nodes) {
    upsertNode.run(n.path, n.version, n.node);
    if (journal) noteNodeWrite.run(n.version, n.path);
  }
  for (const v of state.values) {
    upsertValue.run(v.key, v.version, v.hash, v.value);
    if (journal) noteValueWrite.run(v.version, v.key);
  }
}

/** The compare-and-set of a state step: the tree must still be `expected`. */
function guard(expected: number): void {
  const actual = size.get()!;
  if (actual !== expected) throw new Conflict(actual);
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
  at += noteLen;
  if (at < bytes.length) {
    // Read under the write lock the transaction holds, so no rebuild step runs between this
    // check and the commit; throwing rolls back the entries written above.
    if (meta.get()!.rebuild !== REBUILD_IN_STEP) throw new Rebuilding();
    writeState(unpackState(bytes, at), true);
  }
});

const prune = db.transaction((floor: number) => {
  const old = meta.get()!.map_floor;
  if (floor <= old) return;
  const actual = size.get()!;
  if (floor > actual) throw new OutOfRange(`store: map floor ${floor} is past the tree size ${actual}`);
  pruneNodes.run({ floor });
  pruneValues.run({ floor });
  forgetNodeWrites.run(floor);
  forgetValueWrites.run(floor);
  setFloor.run(floor);
});

const beginRebuild = db.transaction((expected: number): number => {
  guard(expected);
  db.exec(
    "DELETE FROM state_rows; DELETE FROM map_nodes; DELETE FROM map_values; " +
      "DELETE FROM map_node_writes; DELETE FROM map_value_writes;",
  );
  setFloor.run(0);
  setRebuild.run(REBUILDING);
  recordRebuildStep.run(Date.now());
  return nextRebuildToken.get()!;
});

/** The guards of a rebuild's later steps, in the order the port gives them; then records the step. */
function guardStep(token: number, expected: number): void {
  const m = meta.get()!;
  guardRebuildToken(token, m.rebuild_token);
  if (m.rebuild !== REBUILDING) throw notRebuilding();
  guard(expected);
  recordRebuildStep.run(Date.now());
}

const writeRebuild = db.transaction((token: number, expected: number, buffer: ArrayBuffer) => {
  guardStep(token, expected);
  writeState(unpackState(new Uint8Array(buffer), 0), false);
});

const finishRebuild = db.transaction((token: number, expected: number) => {
  guardStep(token, expected);
  setRebuild.run(REBUILD_IN_STEP);
  // One scan of the node table, once a rebuild: cheaper than journalling every node it wrote.
  setFloor.run(newestNodeVersion.get()!);
});

/** Runs a request; a begin-rebuild's answer is its token. */
function handle(request: WriterRequest): number | undefined {
  if (request.op === "append") append.immediate(request.buffer);
  else if (request.op === "prune") prune.immediate(request.floor);
  else if (request.op === "begin-rebuild") return beginRebuild.immediate(request.expectedSize);
  else if (request.op === "write-rebuild") writeRebuild.immediate(request.token, request.expectedSize, request.buffer);
  else finishRebuild.immediate(request.token, request.expectedSize);
  return undefined;
}

const reply = (m: WriterReply) => parentPort!.postMessage(m);

let checkpointDue = false;
/** A passive checkpoint once the current message is answered (it never waits for readers). */
function checkpointSoon(): void {
  if (checkpointDue) return;
  checkpointDue = true;
  setImmediate(() => {
    checkpointDue = false;
    if (!db.open) return;
    try {
      db.pragma("wal_checkpoint(PASSIVE)");
    } catch {
      // Busy or failing: the frames stay in the log, readable and durable; the next commit's
      // checkpoint copies them.
    }
  });
}

parentPort!.on("message", (msg: "close" | ({ id: number } & WriterRequest)) => {
  if (msg === "close") {
    db.close();
    parentPort!.close();
    return;
  }
  try {
    const token = handle(msg);
    reply(token === undefined ? { id: msg.id } : { id: msg.id, token });
    checkpointSoon();
  } catch (e) {
    if (e instanceof Conflict) reply({ id: msg.id, conflict: e.actual });
    else if (e instanceof RebuildSupersededError) reply({ id: msg.id, superseded: [e.token, e.newest] });
    else if (e instanceof InvalidWriteError) reply({ id: msg.id, invalid: e.reason });
    else if (e instanceof OutOfRange) reply({ id: msg.id, range: e.message });
    else if (e instanceof Rebuilding) reply({ id: msg.id, rebuilding: true });
    else reply({ id: msg.id, error: e instanceof Error ? e.message : String(e) });
  }
});
reply({ ready: true });
