// A writer process for the SQLite store's crash and fencing tests (sqlite.int.test.ts):
//
//   node --import tsx sqlite-appender.ts <dir> <writer> <batches> <maxBatch> <jitterMs> [at]
//
// Appends `batches` synthetic batches of 1..maxBatch entries (0 batches: until killed), each at the
// size it just read, waiting up to jitterMs in between to widen races with other writers. After an
// append resolves, and only then, it prints "ack <writer> <start> <end>"; a lost compare-and-set
// prints "conflict <expected> <actual>". With `at` it makes one append at that expected size.
// Every batch carries its syntheticState, so a crash test can check that log and state agree.
// stdout is a pipe, which Node writes synchronously on Linux, so an ack printed is an ack seen
// even if the process is killed right after.
import { SizeConflictError } from "../../services/store/port.js";
import { openSqliteStore } from "../../services/store/sqlite.js";
import { syntheticBatch, syntheticState } from "./synthetic.js";

const [dir, writer, batchesArg, maxBatchArg, jitterArg, atArg] = process.argv.slice(2);
if (!dir || !writer || !batchesArg || !maxBatchArg || !jitterArg) {
  process.stderr.write("usage: sqlite-appender.ts <dir> <writer> <batches> <maxBatch> <jitterMs> [at]\n");
  process.exit(2);
}
const batches = Number(batchesArg);
const maxBatch = Number(maxBatchArg);
const jitterMs = Number(jitterArg);

const store = await openSqliteStore({ dir });
process.stdout.write("ready\n");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (let n = 0; batches === 0 || n < batches; n++) {
  const size = atArg !== undefined ? Number(atArg) : ((await store.latestCheckpoint())?.size ?? 0);
  const count = 1 + Math.floor(Math.random() * maxBatch);
  if (jitterMs > 0) await sleep(Math.random() * jitterMs);
  try {
    await store.append({ ...syntheticBatch(writer, size, count), state: syntheticState(writer, size, count) });
    process.stdout.write(`ack ${writer} ${size} ${size + count}\n`);
  } catch (err) {
    if (!(err instanceof SizeConflictError)) throw err;
    process.stdout.write(`conflict ${err.expectedSize} ${err.actualSize}\n`);
  }
  if (atArg !== undefined) break;
}
await store.close();
process.stdout.write("done\n");
