// The pending waitForGrowth calls of one store instance. Backends differ only in how they learn
// of a new size (an in-process notification, a poll of the database); this holds the waiters.

interface Waiter {
  readonly size: number;
  readonly resolve: (size: number) => void;
  readonly reject: (err: unknown) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

export class GrowthWaiters {
  private readonly waiters = new Set<Waiter>();
  private closedWith: Error | undefined;

  /** Number of calls still waiting; a polling backend polls only while this is above zero. */
  get pending(): number {
    return this.waiters.size;
  }

  /**
   * Waits until notify() reports a size above `size`. `current` is the size the caller just read:
   * if it is already above `size` the promise resolves with it at once.
   */
  wait(size: number, current: number, signal: AbortSignal | undefined): Promise<number> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (current > size) return Promise.resolve(current);
    return new Promise<number>((resolve, reject) => {
      const waiter: Waiter = {
        size,
        resolve,
        reject,
        signal,
        onAbort: () => {
          this.waiters.delete(waiter);
          reject(signal?.reason);
        },
      };
      signal?.addEventListener("abort", waiter.onAbort, { once: true });
      this.waiters.add(waiter);
    });
  }

  /** Reports the committed tree size; resolves every waiter it passes. */
  notify(size: number): void {
    for (const w of this.waiters) {
      if (size > w.size) {
        this.settle(w);
        w.resolve(size);
      }
    }
  }

  /** Rejects every waiter, and every later wait, with `err`. */
  close(err: Error): void {
    this.closedWith = err;
    for (const w of this.waiters) {
      this.settle(w);
      w.reject(err);
    }
  }

  private settle(w: Waiter): void {
    this.waiters.delete(w);
    w.signal?.removeEventListener("abort", w.onAbort);
  }
}
