// Ed25519 verification on worker threads, in batches. Statements arrive one by one, but a
// registry under load gets hundreds per event-loop turn: the pool packs every verification
// asked for in one turn into one buffer, hands it to a worker (transferred, not copied), and
// resolves each promise from the worker's answer. The event loop then spends a few microseconds
// per signature instead of the ~100 µs of the check itself, and the checks use the other cores.
// A worker holds at most two batches (one being checked, one waiting): checks asked for while
// both are taken wait here and leave together when a batch is answered, so batches grow with
// the load and a busy event loop sends a few large messages rather than one per turn.
//
// Same results as nodeEd25519.verify: the policy's byte-level rules (log/ed25519.ts
// policyRejects) run here first; the worker runs the same cofactorless OpenSSL check. If a worker
// fails, or the pool is closed, the affected checks run synchronously on this thread instead.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { ED25519_PUBLIC_KEY_SIZE, ED25519_SIGNATURE_SIZE, policyRejects } from "../../log/ed25519.js";
import type { VerifyAsyncFn } from "./ed25519-async.js";
import { nodeEd25519 } from "./ed25519-node.js";

// The worker: plain JavaScript (no loader needed), OpenSSL only. A batch is
// [count u32][msgLen u32 x count] then, per item, publicKey(32) signature(64) message.
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const { createPublicKey, verify } = require("node:crypto");
const SPKI = Buffer.from("302a300506032b6570032100", "hex");
const keys = new Map();
function key(pk) {
  const id = pk.toString("latin1");
  let k = keys.get(id);
  if (k !== undefined) return k;
  try { k = createPublicKey({ key: Buffer.concat([SPKI, pk]), format: "der", type: "spki" }); } catch { k = null; }
  if (keys.size >= 1024) keys.clear();
  keys.set(id, k);
  return k;
}
parentPort.on("message", ({ id, buffer }) => {
  const view = new DataView(buffer);
  const bytes = Buffer.from(buffer);
  const count = view.getUint32(0);
  const out = new Uint8Array(count);
  let at = 4 + 4 * count;
  for (let i = 0; i < count; i++) {
    const len = view.getUint32(4 + 4 * i);
    const pk = bytes.subarray(at, at + 32);
    const sig = bytes.subarray(at + 32, at + 96);
    const msg = bytes.subarray(at + 96, at + 96 + len);
    at += 96 + len;
    const k = key(pk);
    try { out[i] = k && verify(null, msg, k, sig) ? 1 : 0; } catch { out[i] = 0; }
  }
  parentPort.postMessage({ id, out }, [out.buffer]);
});
`;

interface Item {
  readonly publicKey: Uint8Array;
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
  readonly resolve: (ok: boolean) => void;
}

interface Lane {
  readonly worker: Worker;
  readonly batches: Map<number, Item[]>;
  outstanding: number;
  dead: boolean;
}

const syncVerify = (it: Item) => it.resolve(nodeEd25519.verify(it.publicKey, it.message, it.signature));

export class VerifyPool {
  private readonly lanes: Lane[];
  private queue: Item[] = [];
  private scheduled = false;
  private nextId = 0;
  private closed = false;
  /** Most verifications sent to a worker in one message. */
  private static readonly MAX_BATCH = 512;
  /** Most batches a worker holds at once. */
  private static readonly MAX_BATCHES_PER_WORKER = 2;

  /** `threads` workers; default one fewer than the cores (the event loop needs one), at least one. */
  constructor(threads = Math.max(1, availableParallelism() - 1)) {
    this.lanes = Array.from({ length: threads }, () => this.startLane());
  }

  /** Resolves whether the signature is valid, exactly as nodeEd25519.verify would answer; never rejects. */
  readonly verify: VerifyAsyncFn = (publicKey, message, signature) => {
    if (publicKey.length !== ED25519_PUBLIC_KEY_SIZE || signature.length !== ED25519_SIGNATURE_SIZE || policyRejects(publicKey, signature)) {
      return Promise.resolve(false);
    }
    return new Promise<boolean>((resolve) => {
      const item = { publicKey, message, signature, resolve };
      if (this.closed) return syncVerify(item);
      this.queue.push(item);
      if (this.queue.length >= VerifyPool.MAX_BATCH) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  };

  /** Stops the workers; later and unanswered checks run on the calling thread. */
  async close(): Promise<void> {
    this.closed = true;
    this.flush();
    await Promise.all(this.lanes.map((l) => l.worker.terminate()));
  }

  private startLane(): Lane {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref(); // an idle pool never keeps the process alive
    const lane: Lane = { worker, batches: new Map(), outstanding: 0, dead: false };
    worker.on("message", ({ id, out }: { id: number; out: Uint8Array }) => {
      const items = lane.batches.get(id);
      if (!items) return;
      lane.batches.delete(id);
      lane.outstanding -= items.length;
      items.forEach((it, i) => it.resolve(out[i] === 1));
      if (this.queue.length > 0) this.flush();
    });
    const fail = () => {
      lane.dead = true;
      for (const items of lane.batches.values()) items.forEach(syncVerify);
      lane.batches.clear();
      lane.outstanding = 0;
      this.flush(); // what waited for a worker goes to another one, or runs here
    };
    worker.on("error", fail);
    worker.on("exit", fail);
    return lane;
  }

  private flush(): void {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const live = this.closed ? undefined : this.lanes.some((l) => !l.dead);
      if (!live) {
        this.queue.splice(0).forEach(syncVerify);
        return;
      }
      const lane = this.leastBusy();
      if (!lane) return; // every worker is full: the next answer flushes the rest
      const items = this.queue.splice(0, VerifyPool.MAX_BATCH);
      const id = this.nextId++;
      const buffer = pack(items);
      lane.batches.set(id, items);
      lane.outstanding += items.length;
      lane.worker.postMessage({ id, buffer }, [buffer]);
    }
  }

  private leastBusy(): Lane | undefined {
    let best: Lane | undefined;
    for (const l of this.lanes) {
      if (l.dead || l.batches.size >= VerifyPool.MAX_BATCHES_PER_WORKER) continue;
      if (!best || l.outstanding < best.outstanding) best = l;
    }
    return best;
  }
}

function pack(items: Item[]): ArrayBuffer {
  let size = 4 + 4 * items.length;
  for (const it of items) size += 96 + it.message.length;
  const buffer = new ArrayBuffer(size);
  const view = new DataView(buffer);
  const bytes = new Uint8Array(buffer);
  view.setUint32(0, items.length);
  let at = 4 + 4 * items.length;
  items.forEach((it, i) => {
    view.setUint32(4 + 4 * i, it.message.length);
    bytes.set(it.publicKey, at);
    bytes.set(it.signature, at + 32);
    bytes.set(it.message, at + 96);
    at += 96 + it.message.length;
  });
  return buffer;
}
