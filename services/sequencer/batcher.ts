// Group commit: callers enqueue items and get a promise; one batch is processed at a time.
// While a batch is in flight, new items accumulate and form the next batch, so throughput grows
// with load while an idle system answers after at most `lingerMs`. The queue is bounded: when
// it is full, enqueue fails at once instead of queueing without bound (back-pressure).

export interface BatcherOptions {
  /** Most items waiting (not yet in a batch) before enqueue refuses with QueueFullError. */
  readonly maxPending: number;
  /** Most items in one batch. */
  readonly maxBatch: number;
  /** How long an idle batcher waits for more items before starting a batch (ms; 0 = next tick). */
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
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Stops accepting items and resolves once everything already enqueued has been processed. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.queue.length === 0 && !this.inFlight) return;
    await new Promise<void>((r) => this.idleWaiters.push(r));
  }

  private schedule(): void {
    if (this.inFlight) return; // the running batch picks up the queue when it ends
    if (this.queue.length >= this.opts.maxBatch) {
      this.clearTimer();
      void this.runBatch();
    } else if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.runBatch();
      }, this.opts.lingerMs);
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
        // Items that arrived during the batch go at once: they have already waited.
        this.clearTimer();
        void this.runBatch();
      } else {
        for (const w of this.idleWaiters.splice(0)) w();
      }
    }
  }
}
