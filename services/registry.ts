// The registry core: the log view, its projections and the sequencer, assembled over one store.
// It knows no transport: the gRPC services (services/grpc/) and the HTTP gateway (gateway/) are
// thin adapters over this object.
import type { Ed25519NoteSigner } from "../log/note-keys.js";
import type { Ed25519 } from "../log/ed25519.js";
import type { SignedStatement } from "../proto/gen/messages/labelreg/v1/entry.js";
import type { VerifyAsyncFn } from "./crypto/verify-pool.js";
import { VerifyPool } from "./crypto/verify-pool.js";
import { nodeEd25519 } from "./crypto/ed25519-node.js";
import { domainConfig, type DomainConfig } from "./domain/config.js";
import { RegistryError } from "./sequencer/errors.js";
import { Follower } from "./sequencer/follow.js";
import { LogView } from "./readmodel/log-view.js";
import { Sequencer, type SequencedReceipt, type SequencerOptions } from "./sequencer/sequencer.js";
import type { LogStore } from "./store/port.js";

export interface RegistryOptions {
  readonly store: LogStore;
  /** The log's checkpoint signing key; its name is the log's origin. */
  readonly logSigner: Ed25519NoteSigner;
  /** The authority's Ed25519 public key: the trust root. Never its private key. */
  readonly authorityPublicKey: Uint8Array;
  readonly ed25519?: Ed25519;
  /**
   * Signature checks off the event loop; default: a VerifyPool of worker threads (batched
   * OpenSSL checks, agreeing with nodeEd25519) when `ed25519` is not given, else the synchronous
   * `ed25519.verify`. `false`: always the synchronous check.
   */
  readonly verifyAsync?: VerifyAsyncFn | false;
  readonly clockSkewSeconds?: number;
  readonly maxValiditySeconds?: number;
  readonly now?: () => bigint;
  readonly batch?: SequencerOptions["batch"];
  /** Per-signer statements/s limit (default DEFAULT_RATE_LIMIT). */
  readonly rateLimit?: SequencerOptions["rateLimit"];
  readonly onBatch?: SequencerOptions["onBatch"];
  /** Serve reads only: never sequence (read replicas). The view follows the store. */
  readonly readOnly?: boolean;
  /**
   * Start as a standby sequencer (failover): follow the store like a replica until promote() is
   * called by whoever holds the sequencer lease (services/sequencer/leadership.ts).
   */
  readonly standby?: boolean;
}

export class Registry {
  /** Replicas and standbys keep their view caught up; a sequencer extends it itself. */
  private follower: Follower | undefined;
  private sequencer: Sequencer | undefined;
  /** promote() and demote() run one at a time: a view has one writer (follower or sequencer). */
  private transition: Promise<void> = Promise.resolve();
  /** Signature-check workers this registry started (closed with it). */
  private verifyPool: VerifyPool | undefined;

  private constructor(
    readonly view: LogView,
    readonly domain: DomainConfig,
    readonly origin: string,
    readonly logVerifierKey: string,
    /** Makes a sequencer over the view; undefined for read replicas, which never sequence. */
    private readonly makeSequencer: (() => Sequencer) | undefined,
  ) {}

  /** Opens the registry over `store`, rebuilding every projection by replaying the log. */
  static async open(opts: RegistryOptions): Promise<Registry> {
    const ed = opts.ed25519 ?? nodeEd25519;
    const domain = domainConfig(opts.authorityPublicKey, ed.verify, {
      ...(opts.clockSkewSeconds !== undefined ? { clockSkewSeconds: opts.clockSkewSeconds } : {}),
      ...(opts.maxValiditySeconds !== undefined ? { maxValiditySeconds: opts.maxValiditySeconds } : {}),
    });
    // The workers load while the log replays; the registry answers once both are done.
    const verifyPool = opts.readOnly || opts.verifyAsync !== undefined || opts.ed25519 ? undefined : new VerifyPool();
    const view = new LogView(opts.store, opts.authorityPublicKey);
    try {
      await view.catchUp();
      await verifyPool?.ready;
    } catch (e) {
      await verifyPool?.close();
      throw e;
    }
    const origin = opts.logSigner.name;
    const verifyAsync = verifyPool?.verify ?? opts.verifyAsync;
    const makeSequencer = opts.readOnly
      ? undefined
      : () => new Sequencer({
          view,
          domain,
          logSigner: opts.logSigner,
          origin,
          ...(opts.now ? { now: opts.now } : {}),
          ...(opts.batch ? { batch: opts.batch } : {}),
          ...(opts.rateLimit ? { rateLimit: opts.rateLimit } : {}),
          ...(opts.onBatch ? { onBatch: opts.onBatch } : {}),
          ...(verifyAsync ? { verifyAsync } : {}),
        });
    const registry = new Registry(view, domain, origin, opts.logSigner.verifierKey, makeSequencer);
    registry.verifyPool = verifyPool;
    if (makeSequencer && !opts.standby) registry.sequencer = makeSequencer();
    else registry.follower = new Follower(view);
    return registry;
  }

  /** True while this registry does not sequence: a read replica, or a standby not yet promoted. */
  get readOnly(): boolean {
    return this.sequencer === undefined;
  }

  /**
   * Starts sequencing (a standby that won the lease): stops following, catches up with the store,
   * then takes statements. Rejects (staying a standby) if the store cannot be read.
   */
  promote(): Promise<void> {
    return this.serially(() => this.becomeSequencer());
  }

  /**
   * Stops sequencing (the lease was lost): refuses new statements at once, lets the queued batch
   * finish (its append fails if another sequencer moved the log), then follows the store again.
   */
  demote(): Promise<void> {
    const sequencer = this.sequencer;
    this.sequencer = undefined; // refuse new statements now, not after the queue drains
    return this.serially(async () => {
      await sequencer?.close();
      if (this.sequencer === undefined) this.follower ??= new Follower(this.view);
    });
  }

  private serially(fn: () => Promise<void>): Promise<void> {
    const next = this.transition.then(fn);
    this.transition = next.catch(() => undefined);
    return next;
  }

  private async becomeSequencer(): Promise<void> {
    if (!this.makeSequencer) throw new Error("registry: a read replica cannot sequence");
    if (this.sequencer) return;
    await this.follower?.stop();
    this.follower = undefined;
    try {
      await this.view.catchUp();
    } catch (e) {
      this.follower = new Follower(this.view);
      throw e;
    }
    this.sequencer = this.makeSequencer();
  }

  /** Statements waiting to be sequenced. */
  get pending(): number {
    return this.sequencer?.pending ?? 0;
  }

  /** Sequences a signed statement; resolves with its receipt once durable. Throws RegistryError. */
  submit(signed: SignedStatement): Promise<SequencedReceipt> {
    if (!this.sequencer) {
      return Promise.reject(
        this.makeSequencer
          ? new RegistryError("UNAVAILABLE", "not-sequencer", "this registry is a standby, not the active sequencer; retry (with the same request id) at the active one")
          : new RegistryError("UNAVAILABLE", "read-only", "this registry is a read replica; submit to the sequencing registry"),
      );
    }
    return this.sequencer.submit(signed);
  }

  /** Finishes queued statements, then closes the store. */
  async close(): Promise<void> {
    await this.transition;
    await this.follower?.stop();
    this.follower = undefined;
    await this.sequencer?.close();
    await this.verifyPool?.close();
    await this.view.store.close();
  }
}
