// SQLite's failures (busy, I/O, disk full) as the port's StoreUnavailableError; the port's own
// errors pass through.
import { InvalidWriteError, SizeConflictError, StoreUnavailableError } from "./port.js";

/** Errors that are the caller's (or the compare-and-set's) and pass through as they are. */
function isTyped(err: unknown): boolean {
  return err instanceof SizeConflictError || err instanceof InvalidWriteError || err instanceof RangeError;
}

/** Runs a database operation, turning SQLite's failures (busy, I/O, disk full) into StoreUnavailableError. */
export function guarded<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (isTyped(err) || err instanceof StoreUnavailableError) throw err;
    throw new StoreUnavailableError(`store: sqlite ${what} failed: ${(err as Error)?.message ?? String(err)}`, {
      cause: err,
    });
  }
}
