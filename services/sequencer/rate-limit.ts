// Per-signer rate limits: a token bucket per signer (an issuer, or the authority), so that one
// certification body's bulk run or a runaway client cannot take the whole sequencer from the
// others. Checked after authentication, so nobody can spend another signer's budget by
// claiming its key id.

export interface RateLimit {
  /** Sustained statements per second per signer. */
  readonly perSecond: number;
  /** Statements a signer may send at once after being idle. */
  readonly burst: number;
}

export const DEFAULT_RATE_LIMIT: RateLimit = { perSecond: 10_000, burst: 20_000 };

interface Bucket {
  tokens: number;
  at: number;
}

/** Buckets kept at most; idle ones (full again) are dropped first. */
const MAX_BUCKETS = 100_000;

export class SignerRateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    readonly limit: RateLimit,
    private readonly clock: () => number = () => performance.now(),
  ) {
    if (!(limit.perSecond > 0 && limit.burst >= 1))
      throw new RangeError("rate limit: perSecond must be > 0 and burst >= 1");
  }

  /** Takes one token for `signer`; false when the signer is over its limit. */
  take(signer: string): boolean {
    const now = this.clock();
    let b = this.buckets.get(signer);
    if (!b) {
      if (this.buckets.size >= MAX_BUCKETS) this.dropIdle(now);
      b = { tokens: this.limit.burst, at: now };
      this.buckets.set(signer, b);
    } else {
      b.tokens = Math.min(this.limit.burst, b.tokens + ((now - b.at) / 1000) * this.limit.perSecond);
      b.at = now;
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  private dropIdle(now: number): void {
    for (const [k, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.limit.perSecond >= this.limit.burst) this.buckets.delete(k);
    }
  }
}
