// Retrying a submission: only the same signed bytes are ever resent, so a retry is idempotent
// (the registry answers a repeated statement with its first receipt).
import type { RegistryClientError } from "./errors.js";

export interface RetryPolicy {
  /** Attempts in all, the first included (default 5). */
  readonly attempts: number;
  /** Delay before the first retry; doubled each time, with full jitter (default 50 ms). */
  readonly initialDelayMs: number;
  /** Largest delay (default 2 s). */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, initialDelayMs: 50, maxDelayMs: 2000 };

/** The delay before retry number `retry` (1 = the first retry): exponential with full jitter. */
export function backoffMs(policy: RetryPolicy, retry: number): number {
  const cap = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.min(retry - 1, 30));
  return Math.random() * cap;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs `attempt` until it succeeds, fails with a non-retryable error, or the attempts run out. */
export async function withRetry<T>(
  policy: RetryPolicy,
  attempt: () => Promise<T>,
  isRetryable: (e: unknown) => e is RegistryClientError,
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (e) {
      if (n >= policy.attempts || !isRetryable(e)) throw e;
      await sleep(backoffMs(policy, n));
    }
  }
}
