// Ed25519 verification on the worker pool (services/workers/pool.ts), in batches. Statements
// arrive one by one, but a registry under load gets hundreds per event-loop turn: every check
// asked for in one turn goes to a worker in one buffer (signature-batch.ts), and each promise
// resolves from the worker's answer. The event loop then spends a few microseconds per
// signature instead of the ~100 µs of the check itself, and the checks use the other cores.
// A worker holds at most two batches (one being checked, one waiting): checks asked for while
// both are taken wait here and leave together when a batch is answered, so batches grow with
// the load and a busy event loop sends a few large messages rather than one per turn.
//
// Same results as nodeEd25519.verify: the policy's byte-level rules (log/ed25519.ts
// policyRejects) run here first; the worker runs nodeEd25519.verify. If a worker fails, or the
// pool is closed, the affected checks run synchronously on this thread instead.
import { availableParallelism } from "node:os";
import { ED25519_PUBLIC_KEY_SIZE, ED25519_SIGNATURE_SIZE, policyRejects } from "../../log/ed25519.js";
import { WorkerPool } from "../workers/pool.js";
import { nodeEd25519 } from "./ed25519-node.js";
import { packSignatures, type SignatureCheck } from "./signature-batch.js";

/** Resolves true iff `signature` is valid for `message` under `publicKey`; never rejects. */
export type VerifyAsyncFn = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => Promise<boolean>;

interface Item extends SignatureCheck {
  readonly resolve: (ok: boolean) => void;
}

const syncVerify = (it: Item) => it.resolve(nodeEd25519.verify(it.publicKey, it.message, it.signature));

/** Most verifications sent to a worker in one message. */
const MAX_BATCH = 512;
/** Most batches a worker holds at once. */
const MAX_BATCHES_PER_WORKER = 2;

export class VerifyPool {
  private readonly pool: WorkerPool;
  private queue: Item[] = [];
  private scheduled = false;
  private closed = false;

  /** `threads` workers; default one fewer than the cores (the event loop needs one), at least one. */
  constructor(threads = Math.max(1, availableParallelism() - 1)) {
    this.pool = new WorkerPool(threads);
    this.pool.onSettled = () => {
      if (this.queue.length > 0) this.flush();
    };
  }

  /** Settles when the workers have loaded (see WorkerPool.ready). */
  get ready(): Promise<void> {
    return this.pool.ready;
  }

  /** Resolves whether the signature is valid, exactly as nodeEd25519.verify would answer; never rejects. */
  readonly verify: VerifyAsyncFn = (publicKey, message, signature) => {
    if (
      publicKey.length !== ED25519_PUBLIC_KEY_SIZE ||
      signature.length !== ED25519_SIGNATURE_SIZE ||
      policyRejects(publicKey, signature)
    ) {
      return Promise.resolve(false);
    }
    return new Promise<boolean>((resolve) => {
      const item = { publicKey, message, signature, resolve };
      if (this.closed) return syncVerify(item);
      this.queue.push(item);
      if (this.queue.length >= MAX_BATCH) this.flush();
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
    await this.pool.close();
  }

  private flush(): void {
    this.scheduled = false;
    while (this.queue.length > 0) {
      if (this.closed || !this.pool.live) {
        this.queue.splice(0).forEach(syncVerify);
        return;
      }
      if (!this.pool.hasRoom(MAX_BATCHES_PER_WORKER)) return; // the next answer flushes the rest
      const items = this.queue.splice(0, MAX_BATCH);
      void this.pool.send("verify", packSignatures(items), items.length, MAX_BATCHES_PER_WORKER)!.then((out) => {
        if (out) items.forEach((it, i) => it.resolve(out[i] === 1));
        else items.forEach(syncVerify);
      });
    }
  }
}
