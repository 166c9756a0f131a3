// Group commit: callers enqueue items and get a promise; one batch is processed at a time.
// While a batch is in flight, new items accumulate and form the next batch, so throughput grows
// with load. A batch starts once `maxBatch` items wait or the oldest waiting item has waited
// `lingerMs`, whichever comes first, after a batch as well as when idle: when commits are fast,
// a moderate load would otherwise be cut into batches of a few items, each paying the whole
// per-batch cost (checkpoint signature, commit, proof edges). The queue is bounded: when it is
// full, enqueue fails at once instead of queueing without bound (back-pressure).

export interface BatcherOptions {
  /** Most items waiting (not yet in a batch) before enqueue refuses with QueueFullError. */
  readonly maxPending: number;
  /** Most items in one batch. */
  readonly maxBatch: number;
  /** How long the oldest waiting item waits for more to join its batch (ms; 0 = no wait). */
  readonly lingerMs: number;
}

export class QueueFullError extends Error {
  constructor(readonly limit: number) {
    super(`sequencer queue is full (${limit} statements waiting); retry later`);
    this.name = "QueueFullError";
  }
}

export class BatcherClosedError extends Error {
  constructor() {
    super("sequencer is shutting down");
    this.name = "BatcherClosedError";
  }
}

/** Result for one item of a batch: a value, or an error for that item alone. */
export type ItemResult<R> = { ok: true; value: R } | { ok: false; error: unknown };

interface Pending<T, R> {
  item: T;
  /** performance.now() at enqueue. */
  at: number;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

export class Batcher<T, R> {
  private queue: Pending<T, R>[] = [];
  private inFlight = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly opts: BatcherOptions,
    /** Processes one batch; must return one result per item, in order. A throw fails every item. */
    private readonly process: (items: T[]) => Promise<ItemResult<R>[]>,
  ) {
    if (!(opts.maxBatch >= 1 && opts.maxPending >= 1 && opts.lingerMs >= 0)) {
      throw new RangeError("batcher: maxBatch and maxPending must be >= 1, lingerMs >= 0");
    }
  }

  get pending(): number {
    return this.queue.length;
  }

  enqueue(item: T): Promise<R> {
    if (this.closed) return Promise.reject(new BatcherClosedError());
    if (this.queue.length >= this.opts.maxPending) return Promise.reject(new QueueFullError(this.opts.maxPending));
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, at: performance.now(), resolve, reject });
      this.schedule();
    });
  }

  /** Stops accepting items and resolves once everything already enqueued has been processed. */
  async close(): Promise<void> {
    this.closed = true;
    this.schedule(); // what waits goes now
    if (this.queue.length === 0 && !this.inFlight) return;
    await new Promise<void>((r) => this.idleWaiters.push(r));
  }

  private schedule(): void {
    if (this.inFlight || this.queue.length === 0) return; // a running batch schedules the next when it ends
    const wait =
      this.closed || this.queue.length >= this.opts.maxBatch
        ? 0
        : this.queue[0]!.at + this.opts.lingerMs - performance.now();
    if (wait <= 0) {
      this.clearTimer();
      void this.runBatch();
    } else if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.runBatch();
      }, wait);
    }
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async runBatch(): Promise<void> {
    if (this.inFlight || this.queue.length === 0) return;
    this.inFlight = true;
    const batch = this.queue.splice(0, this.opts.maxBatch);
    try {
      let results: ItemResult<R>[];
      try {
        results = await this.process(batch.map((p) => p.item));
        if (results.length !== batch.length) throw new Error("batcher: process returned the wrong number of results");
      } catch (e) {
        for (const p of batch) p.reject(e);
        return;
      }
      for (let i = 0; i < batch.length; i++) {
        const r = results[i]!;
        if (r.ok) batch[i]!.resolve(r.value);
        else batch[i]!.reject(r.error);
      }
    } finally {
      this.inFlight = false;
      if (this.queue.length > 0) {
        this.schedule(); // at once if the oldest has waited lingerMs already (it usually has under load)
      } else {
        for (const w of this.idleWaiters.splice(0)) w();
      }
    }
  }
}
