// The one pool of worker threads for checks that need no state, so they use the other cores
// while the event loop decodes, sequences and answers: signature batches for the registry
// (VerifyPool, services/crypto/verify-pool.ts) and entry batches for the auditor (CheckPool,
// services/audit/check-pool.ts), both run by pool-worker.ts. A request goes out as one
// transferred buffer and its reply comes back as one: no per-item messages or clones.
//
// A request whose worker fails resolves undefined, and so does every request after close():
// the caller then does the work on its own thread, so no check is ever lost to a dead worker.
import type { Worker } from "node:worker_threads";
import type { CheckedBatch } from "../audit/entry-check.js";
import { startWorker } from "./start.js";

/** What pool-worker.ts is asked; `buffer` is transferred. */
export type PoolRequest =
  | { readonly kind: "verify"; readonly id: number; readonly buffer: ArrayBuffer }
  | { readonly kind: "check"; readonly id: number; readonly buffer: ArrayBuffer };

/** What it answers, per kind: a verdict byte per signature (1 = valid), or the checked entries. */
export interface PoolReplies {
  readonly verify: Uint8Array;
  readonly check: CheckedBatch;
}

interface Lane {
  readonly worker: Worker;
  /** Settles once the worker has loaded its module, or has failed. */
  readonly ready: Promise<void>;
  readonly jobs: Map<number, { readonly weight: number; readonly resolve: (reply: unknown) => void }>;
  /** Items (signatures, entries) sent and not yet answered. */
  outstanding: number;
  dead: boolean;
}

const WORKER = new URL("./pool-worker.ts", import.meta.url);

export class WorkerPool {
  private readonly lanes: Lane[];
  private nextId = 0;
  private closed = false;
  /** Called after each answer and each worker failure: work that waited for room can go now. */
  onSettled: (() => void) | undefined;
  /**
   * Settles when every worker has loaded (or failed). Requests sent before wait in the workers'
   * queues; a server awaits this at start-up so that its first requests do not wait instead.
   */
  readonly ready: Promise<void>;

  /** `threads` workers; `keys`: public keys every worker knows from the start (for entry checks). */
  constructor(threads: number, keys: readonly Uint8Array[] = []) {
    this.lanes = Array.from({ length: Math.max(1, threads) }, () => this.startLane(keys));
    this.ready = Promise.all(this.lanes.map((l) => l.ready)).then(() => undefined);
  }

  /** Whether a worker can still take requests (else the caller checks on its own thread). */
  get live(): boolean {
    return !this.closed && this.lanes.some((l) => !l.dead);
  }

  /** Whether some live worker holds fewer than `maxJobs` requests. */
  hasRoom(maxJobs = Infinity): boolean {
    return this.leastBusy(maxJobs) !== undefined;
  }

  /**
   * Sends a request of `weight` items to the least busy live worker holding fewer than `maxJobs`
   * requests; undefined if there is none. Resolves with the reply, or undefined if the worker
   * failed first or the pool was closed.
   */
  send<K extends PoolRequest["kind"]>(
    kind: K,
    buffer: ArrayBuffer,
    weight: number,
    maxJobs = Infinity,
  ): Promise<PoolReplies[K] | undefined> | undefined {
    const lane = this.closed ? undefined : this.leastBusy(maxJobs);
    if (!lane) return undefined;
    return new Promise((resolve) => {
      const id = this.nextId++;
      lane.jobs.set(id, { weight, resolve: resolve as (reply: unknown) => void });
      lane.outstanding += weight;
      lane.worker.postMessage({ kind, id, buffer } satisfies PoolRequest, [buffer]);
    });
  }

  /** Tells every live worker of public keys, for entry checks sent from now on. */
  teach(keys: readonly Uint8Array[]): void {
    const copies = keys.map((k) => Uint8Array.from(k)); // a view would clone its whole buffer
    for (const l of this.lanes) if (!l.dead) l.worker.postMessage({ kind: "keys", keys: copies });
  }

  /** Stops the workers; unanswered requests resolve undefined. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.lanes.map((l) => l.worker.terminate()));
  }

  private startLane(keys: readonly Uint8Array[]): Lane {
    const worker = startWorker(WORKER, { workerData: { keys } });
    worker.unref(); // an idle pool never keeps the process alive
    let loaded!: () => void;
    const lane: Lane = {
      worker,
      ready: new Promise((r) => (loaded = r)),
      jobs: new Map(),
      outstanding: 0,
      dead: false,
    };
    worker.on("message", (m: { ready: true } | { id: number; reply: unknown }) => {
      if ("ready" in m) return loaded();
      const job = lane.jobs.get(m.id);
      if (!job) return;
      lane.jobs.delete(m.id);
      lane.outstanding -= job.weight;
      job.resolve(m.reply);
      this.onSettled?.();
    });
    const fail = () => {
      loaded();
      lane.dead = true;
      for (const job of lane.jobs.values()) job.resolve(undefined);
      lane.jobs.clear();
      lane.outstanding = 0;
      this.onSettled?.();
    };
    worker.on("error", fail);
    worker.on("exit", fail);
    return lane;
  }

  private leastBusy(maxJobs: number): Lane | undefined {
    let best: Lane | undefined;
    for (const l of this.lanes) {
      if (l.dead || l.jobs.size >= maxJobs) continue;
      if (!best || l.outstanding < best.outstanding) best = l;
    }
    return best;
  }
}
