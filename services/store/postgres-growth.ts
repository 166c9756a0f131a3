// Following a log that other processes append to: every append transaction NOTIFYs the new size
// on the log's channel (delivered at commit), and one dedicated connection LISTENs. Notifications
// are lost while that connection is down, so a slow poll of the committed size runs whenever
// someone is waiting; it also reconnects the listener. A wait therefore survives a database
// outage and resolves once the database is back and has grown.
import type pg from "pg";
import { GrowthWaiters } from "./growth.js";
import { StoreUnavailableError } from "./port.js";

export interface GrowthFollowerOptions {
  /** A new, unconnected client for the LISTEN connection (not pooled: it stays subscribed). */
  newClient: () => pg.Client;
  /** The channel appends NOTIFY on, a plain identifier. */
  channel: string;
  /** The committed tree size, from the database. */
  readSize: () => Promise<number>;
  /** How often to poll while someone waits; bounds the delay when a notification was lost. */
  pollIntervalMillis: number;
}

export class GrowthFollower {
  private readonly waiters = new GrowthWaiters();
  /** The largest committed size seen; sizes only grow, so anything below it is stale. */
  private known = -1;
  private listener: pg.Client | undefined;
  private connecting = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private closed = false;

  constructor(private readonly options: GrowthFollowerOptions) {}

  /** Resolves with the committed size once it exceeds `size` (see LogStore.waitForGrowth). */
  wait(size: number, signal?: AbortSignal): Promise<number> {
    const waiting = this.waiters.wait(size, this.known, signal);
    if (this.waiters.pending > 0) {
      this.follow();
      // The cached size may be old: the first answer comes from the database.
      void this.check();
    }
    return waiting;
  }

  /** Records a committed size (from a notification, a poll, or this process's own append). */
  observe(size: number): void {
    if (size <= this.known) return;
    this.known = size;
    this.waiters.notify(size);
  }

  /** Rejects every pending and later wait, and drops the LISTEN connection. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
    // Last, so that a caller awaiting close() can attach its handlers in the same tick.
    this.waiters.close(new StoreUnavailableError("postgres store: closed"));
  }

  private follow(): void {
    if (this.closed) return;
    if (this.listener === undefined && !this.connecting) void this.listen();
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => {
      if (this.waiters.pending === 0) {
        clearInterval(this.timer);
        this.timer = undefined;
        return;
      }
      if (this.listener === undefined && !this.connecting) void this.listen();
      void this.check();
    }, this.options.pollIntervalMillis);
  }

  private async check(): Promise<void> {
    try {
      this.observe(await this.options.readSize());
    } catch {
      // The database is unreachable; the next poll tries again.
    }
  }

  private async listen(): Promise<void> {
    this.connecting = true;
    const client = this.options.newClient();
    const drop = () => {
      if (this.listener === client) this.listener = undefined;
    };
    // Without an error listener a dropped connection would be an uncaught exception.
    client.on("error", drop);
    client.on("end", drop);
    client.on("notification", (message) => {
      const size = Number(message.payload);
      if (Number.isSafeInteger(size)) this.observe(size);
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${this.options.channel}"`);
      if (this.closed) {
        await client.end();
        return;
      }
      this.listener = client;
      // An append that committed before LISTEN took effect notified nobody.
      void this.check();
    } catch {
      await client.end().catch(() => undefined);
    } finally {
      this.connecting = false;
    }
  }
}
