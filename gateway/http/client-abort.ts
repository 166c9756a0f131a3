// A client that goes away in the middle of its request is the client's business, not a server
// error: it is logged at info, at most once per interval (a client aborting in a loop must not
// flood the log), and counted apart from 5xx answers.
import type { IncomingMessage } from "node:http";
import type { Logger } from "../ops/log.js";

/** True if `e` (thrown while reading the request) means the client closed the connection. */
export function isClientAbort(e: unknown, req: IncomingMessage): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ECONNRESET" || code === "ERR_STREAM_PREMATURE_CLOSE") return true;
  return (e instanceof Error && e.message === "aborted") || (req.destroyed && !req.complete);
}

/** Logs client aborts at info, at most one line per `intervalMs`, with how many were not logged. */
export class ClientAbortLog {
  private last = -Infinity;
  private unlogged = 0;

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs = 10_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  record(fields: { method: string | undefined; path: string }): void {
    const t = this.now();
    if (t - this.last < this.intervalMs) {
      this.unlogged++;
      return;
    }
    this.last = t;
    const notLogged = this.unlogged;
    this.unlogged = 0;
    this.logger("info", "client aborted the request", {
      ...fields,
      ...(notLogged > 0 ? { earlierAbortsNotLogged: notLogged } : {}),
    });
  }
}
