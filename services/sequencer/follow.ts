// Following a log that another process sequences: read replicas and standby sequencers wait for
// the store to grow and catch their view up, so every read path serves projections within
// moments of a commit. Store outages are ridden out: the loop retries, and the view keeps
// serving the last state it had.
import type { LogView } from "../readmodel/log-view.js";

export interface FollowerOptions {
  /** Pause after a failed wait or catch-up before trying again. Default 250 ms. */
  readonly retryMillis?: number;
  /** Told of each failure (logging); the follower keeps going. */
  readonly onError?: (error: unknown) => void;
}

/**
 * Keeps `view` caught up with its store until stopped. Only one writer of a view may run at a
 * time: stop the follower (and await it) before a sequencer extends the same view.
 */
export class Follower {
  private readonly abort = new AbortController();
  private readonly done: Promise<void>;

  constructor(
    private readonly view: LogView,
    private readonly options: FollowerOptions = {},
  ) {
    this.done = this.run();
  }

  /** Stops following; resolves once no catch-up is running any more. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.done;
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        // Catch up first: the log may have grown before we started waiting.
        await this.view.catchUp();
        if (signal.aborted) return;
        // The empty log's checkpoint, stored by the sequencer, grows nothing: poll until it is there.
        if (this.view.checkpoint === "") await sleep(this.options.retryMillis ?? 250, signal);
        else await this.view.store.waitForGrowth(this.view.size, signal);
      } catch (e) {
        if (signal.aborted) return;
        this.options.onError?.(e);
        await sleep(this.options.retryMillis ?? 250, signal);
      }
    }
  }
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). `unref`: the wait alone does not keep the process alive. */
export function sleep(ms: number, signal: AbortSignal, unref = false): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    if (unref) timer.unref();
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
