// How values come back from `pg`, and how its failures surface: as the port's errors.
import { InvalidWriteError, SizeConflictError, StoreUnavailableError } from "./port.js";

/** Every database failure as the port's StoreUnavailableError; the port's own errors pass through. */
export function unavailable(operation: string, err: unknown): Error {
  if (
    err instanceof SizeConflictError ||
    err instanceof StoreUnavailableError ||
    err instanceof InvalidWriteError ||
    err instanceof RangeError
  ) {
    return err;
  }
  const detail = err instanceof Error ? err.message || err.name : String(err);
  const code = (err as { code?: unknown } | null)?.code;
  const codeText = typeof code === "string" ? ` (${code})` : "";
  return new StoreUnavailableError(`postgres store: ${operation} failed: ${detail}${codeText}`, { cause: err });
}

/** bigint columns arrive as strings; tree sizes stay far below 2^53. */
export function toSize(value: unknown): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`postgres store: bad size ${String(value)}`);
  return n;
}

/** A copy as a plain Uint8Array: `pg` returns Buffers that may share a pooled allocation. */
export function bytes(value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new Error("postgres store: expected bytea");
  return new Uint8Array(value);
}
