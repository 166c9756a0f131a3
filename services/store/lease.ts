// The sequencer lease port: which of several registry processes sharing one store may sequence.
// One holder at a time, for a bounded time, renewed while it lives. Every acquisition bumps a
// fencing epoch. The lease decides who *tries* to write; the store's compare-and-set (and, where
// the backend offers it, a check of the lease inside the append's transaction) decides whose
// write commits, so a holder that was paused past its lease cannot commit.

/** A held lease. */
export interface LeaseGrant {
  readonly holder: string;
  /** Grows with every acquisition of the lease, by anyone. */
  readonly epoch: number;
  /**
   * Local deadline (performance.now() milliseconds) before which the holder may act as the
   * sequencer: the lease's time-to-live counted from before the request that granted it, less a
   * margin for clock drift, so it ends no later than the store's own expiry.
   */
  readonly validUntil: number;
}

export interface SequencerLease {
  /** This process's holder id (unique per process run). */
  readonly holder: string;
  /** How long a grant lasts without renewal: a holder renews at least three times within it. */
  readonly ttlMillis: number;
  /** Takes the lease if it is free or expired (or already ours); undefined if another holds it. */
  acquire(): Promise<LeaseGrant | undefined>;
  /** Extends a held lease; undefined if it was lost (expired and taken, or released). */
  renew(grant: LeaseGrant): Promise<LeaseGrant | undefined>;
  /** Gives the lease up at once, so a standby need not wait for it to expire. */
  release(grant: LeaseGrant): Promise<void>;
  close(): Promise<void>;
}

/** A holder id: host, process id and randomness, in characters safe in any setting or name. */
export function newHolderId(host: string, pid: number, random: string): string {
  return `${host}-${pid}-${random}`.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 60);
}
