// Sequencer failover: several registry processes share one store; the one holding the sequencer
// lease sequences, the others are standbys that follow the store and try to take the lease.
//
// The holder renews well before expiry. If it cannot renew in time (the store is down, or the
// process was paused), it stops sequencing when its local deadline passes — before the lease can
// expire in the store — so writes fail fast with UNAVAILABLE and the registry keeps serving reads.
// A standby that takes the lease catches up from the store (and checks, perhaps rebuilds, the
// state tables) before its first batch, renewing the lease meanwhile. Neither step
// is trusted for safety: the store's compare-and-set and the lease fence refuse a late writer.
import type { Registry } from "../registry.js";
import type { LeaseGrant, SequencerLease } from "../store/lease.js";

export interface LeaderElectionOptions {
  /** Renew the held lease this often. Default: 500 ms, or a third of the lease's TTL if shorter. */
  readonly renewEveryMillis?: number;
  /** A standby tries to take the lease this often. Default 500 ms. */
  readonly acquireEveryMillis?: number;
  /** Told of role changes and failures (logging). */
  readonly onEvent?: (event: LeadershipEvent) => void;
}

export type LeadershipEvent =
  | { kind: "promoted"; epoch: number }
  | { kind: "demoted"; reason: string }
  | { kind: "error"; error: unknown };

export class LeaderElection {
  private grant: LeaseGrant | undefined;
  private stopped = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private deadline: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly registry: Registry,
    private readonly lease: SequencerLease,
    private readonly options: LeaderElectionOptions = {},
  ) {
    this.schedule(0);
  }

  /** Whether this process holds the lease and sequences. */
  get leading(): boolean {
    return this.grant !== undefined;
  }

  /** Stops taking part: stops sequencing, releases the lease (a standby takes over at once). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.deadline);
    await this.running;
    const grant = this.grant;
    this.grant = undefined;
    await this.registry.demote();
    if (grant) await this.lease.release(grant).catch(() => undefined);
    await this.lease.close();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => {
        const every = this.grant ? this.renewEvery() : (this.options.acquireEveryMillis ?? 500);
        this.schedule(every);
      });
    }, ms);
  }

  private async tick(): Promise<void> {
    try {
      if (this.grant) await this.renew(this.grant);
      else await this.acquire();
    } catch (e) {
      this.options.onEvent?.({ kind: "error", error: e });
    }
  }

  private renewEvery(): number {
    return this.options.renewEveryMillis ?? Math.min(500, Math.floor(this.lease.ttlMillis / 3));
  }

  private async acquire(): Promise<void> {
    const grant = await this.lease.acquire();
    if (!grant || this.stopped) return;
    // A promotion may rebuild the state tables, for longer than the lease lasts: it is renewed
    // meanwhile, or another standby would take it and rebuild them beside this one.
    const renewing = this.renewWhile(grant);
    try {
      await this.registry.promote();
    } catch (e) {
      // Could not catch up: give the lease back rather than hold it without sequencing.
      await this.lease.release((await renewing.end()) ?? grant).catch(() => undefined);
      throw e;
    }
    const held = await renewing.end();
    if (!held) {
      await this.registry.demote();
      throw new Error("leadership: the lease was taken by another process while this one was being promoted");
    }
    this.hold(held);
    this.options.onEvent?.({ kind: "promoted", epoch: held.epoch });
  }

  /**
   * Renews `grant` every renewal period until end(), which resolves with the newest grant, or
   * undefined if a renewal found the lease lost. A renewal that fails is tried again.
   */
  private renewWhile(grant: LeaseGrant): { end(): Promise<LeaseGrant | undefined> } {
    let newest: LeaseGrant | undefined = grant;
    let ended = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let inFlight: Promise<void> = Promise.resolve();
    const next = () => {
      timer = setTimeout(() => {
        inFlight = this.lease.renew(newest!).then(
          (g) => {
            newest = g;
            if (g && !ended) next();
          },
          (e: unknown) => {
            this.options.onEvent?.({ kind: "error", error: e });
            if (!ended) next();
          },
        );
      }, this.renewEvery());
    };
    next();
    return {
      end: async () => {
        ended = true;
        clearTimeout(timer);
        await inFlight;
        return newest;
      },
    };
  }

  private async renew(grant: LeaseGrant): Promise<void> {
    let renewed: LeaseGrant | undefined;
    try {
      renewed = await this.lease.renew(grant);
    } catch (e) {
      // Unknown: keep sequencing until the local deadline, which the deadline timer enforces.
      this.options.onEvent?.({ kind: "error", error: e });
      return;
    }
    if (this.grant !== grant) return; // demoted meanwhile
    if (renewed) this.hold(renewed);
    else await this.stepDown("the lease was taken by another process");
  }

  /** Records a grant and arms the local deadline. */
  private hold(grant: LeaseGrant): void {
    this.grant = grant;
    clearTimeout(this.deadline);
    this.deadline = setTimeout(
      () => {
        if (this.grant === grant) void this.stepDown("the lease could not be renewed in time");
      },
      Math.max(0, grant.validUntil - performance.now()),
    );
  }

  private async stepDown(reason: string): Promise<void> {
    this.grant = undefined;
    clearTimeout(this.deadline);
    await this.registry.demote();
    this.options.onEvent?.({ kind: "demoted", reason });
  }
}
