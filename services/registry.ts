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
import { parseVerifierKey } from "../log/note-keys.js";
import type { NoteVerifier } from "../log/note.js";
import { IntegrityError } from "./integrity/integrity-error.js";
import { RegistryError } from "./sequencer/errors.js";
import { publishEmptyLogCheckpoint } from "./sequencer/empty-log.js";
import { Follower } from "./sequencer/follow.js";
import { LogView } from "./readmodel/log-view.js";
import { Sequencer, type SequencedReceipt, type SequencerOptions } from "./sequencer/sequencer.js";
import type { LogStore } from "./store/port.js";
import { prepareStateTables, type StateStartUpOptions } from "./integrity/state-start-up.js";

export interface RegistryOptions {
  readonly store: LogStore;
  /** The log's checkpoint signing key; its name is the log's origin. Absent on read replicas. */
  readonly logSigner?: Ed25519NoteSigner;
  /** The log's verifier key, when there is no signer (read replicas); else the signer's. */
  readonly logVerifierKey?: string;
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
  readonly mapCommitments?: SequencerOptions["mapCommitments"];
  /** Memory for the state map's nodes read from the store (LogView's mapCacheBytes). */
  readonly mapCacheBytes?: number;
  /** Heap a partial state's records may take between batches (LogView's stateCacheBytes). */
  readonly stateCacheBytes?: number;
  /** Memory for the log's tiles (LogView's tileCacheBytes). */
  readonly tileCacheBytes?: number;
  /** Serve reads only: never sequence (read replicas). The view follows the store. */
  readonly readOnly?: boolean;
  /**
   * Start as a standby sequencer (failover): follow the store like a replica until promote() is
   * called by whoever holds the sequencer lease (services/sequencer/leadership.ts).
   */
  readonly standby?: boolean;
  /**
   * A sequencing registry checks its store's state tables before it serves and rebuilds them
   * from the log when they are out of step (services/integrity/state-start-up.ts); true rebuilds
   * them whatever the checks say (`serve --rebuild`).
   */
  readonly rebuildState?: boolean;
  /** Told why the state tables are rebuilt, and how far the rebuild has got. */
  readonly onStateRebuild?: StateStartUpOptions["onRebuild"];
  readonly onStateRebuildProgress?: StateStartUpOptions["onProgress"];
  /** The rebuild's heartbeat and how it waits for another's (state-start-up.ts); defaults there. */
  readonly stateRebuildTiming?: Pick<StateStartUpOptions, "heartbeatMs" | "staleAfterMs" | "pollMs">;
}

export class Registry {
  /** Replicas and standbys keep their view caught up; a sequencer extends it itself. */
  private follower: Follower | undefined;
  private sequencer: Sequencer | undefined;
  /** promote() and demote() run one at a time: a view has one writer (follower or sequencer). */
  private transition: Promise<void> = Promise.resolve();
  /** Signature-check workers this registry started (closed with it). */
  private verifyPool: VerifyPool | undefined;
  /** Stores and serves the empty log's checkpoint if the store has none (before sequencing). */
  private publishEmptyLog: () => Promise<void> = () => Promise.resolve();
  /** The start-up check of the store's state tables, rebuilding them if they fail it (before sequencing). */
  private prepareState: () => Promise<unknown> = () => Promise.resolve();

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
    const logSigner = opts.logSigner;
    if (!logSigner && !opts.readOnly) throw new Error("registry: a sequencing registry needs the log's signing key");
    const logVerifierKey = logSigner?.verifierKey ?? opts.logVerifierKey;
    if (logVerifierKey === undefined) throw new Error("registry: the log's verifier key is needed to check the store");
    const logVerifier = parseVerifierKey(logVerifierKey, ed);
    const domain = domainConfig(logVerifier.name, opts.authorityPublicKey, ed.verify, {
      ...(opts.clockSkewSeconds !== undefined ? { clockSkewSeconds: opts.clockSkewSeconds } : {}),
      ...(opts.maxValiditySeconds !== undefined ? { maxValiditySeconds: opts.maxValiditySeconds } : {}),
    });
    // The workers load while the log replays; the registry answers once both are done.
    const verifyPool = opts.readOnly || opts.verifyAsync !== undefined || opts.ed25519 ? undefined : new VerifyPool();
    // Every checkpoint and entry read back from the store is checked against the log's key and
    // tree before it is served or built on (services/integrity/).
    const view = new LogView(
      opts.store,
      opts.authorityPublicKey,
      opts.tileCacheBytes,
      logVerifier,
      opts.mapCacheBytes,
      opts.stateCacheBytes,
    );
    try {
      // Only the process about to sequence may rebuild: the tables are the writer's, and a
      // rebuild racing a live sequencer would start over at every append. A standby checks
      // them when it is promoted.
      if (!opts.readOnly && !opts.standby && logSigner) await prepareState(opts, logVerifier, opts.rebuildState);
      await view.catchUp();
      await verifyPool?.ready;
    } catch (e) {
      await verifyPool?.close();
      throw e;
    }
    const origin = logVerifier.name;
    const verifyAsync = verifyPool?.verify ?? opts.verifyAsync;
    const makeSequencer =
      opts.readOnly || !logSigner
        ? undefined
        : () =>
            new Sequencer({
              view,
              domain,
              logSigner,
              origin,
              ...(opts.now ? { now: opts.now } : {}),
              ...(opts.batch ? { batch: opts.batch } : {}),
              ...(opts.rateLimit ? { rateLimit: opts.rateLimit } : {}),
              ...(opts.onBatch ? { onBatch: opts.onBatch } : {}),
              ...(opts.mapCommitments === false ? { mapCommitments: false } : {}),
              ...(verifyAsync ? { verifyAsync } : {}),
            });
    const registry = new Registry(view, domain, origin, logVerifierKey, makeSequencer);
    registry.verifyPool = verifyPool;
    if (logSigner) {
      registry.publishEmptyLog = () => publishEmptyLogCheckpoint(view, logSigner, origin);
      registry.prepareState = () => prepareState(opts, logVerifier, false);
    }
    if (makeSequencer && !opts.standby) {
      await registry.publishEmptyLog();
      registry.sequencer = makeSequencer();
    } else registry.follower = registry.newFollower();
    return registry;
  }

  /** Why this registry stopped sequencing for good: the store failed an integrity check. */
  get integrityFailure(): IntegrityError | undefined {
    return this.failure;
  }

  private failure: IntegrityError | undefined;
  private readonly failureListeners = new Set<(e: IntegrityError) => void>();

  /** Calls `fn` once if the store fails an integrity check while this registry runs (at once if it has). */
  onIntegrityFailure(fn: (e: IntegrityError) => void): void {
    if (this.failure) fn(this.failure);
    else this.failureListeners.add(fn);
  }

  /**
   * The store holds something the log's key and tree do not vouch for (follower or scrub found
   * it): stop sequencing and following for good, keep serving the last verified state, refuse
   * writes naming the problem.
   */
  fail(e: IntegrityError): void {
    if (this.failure) return;
    this.failure = e;
    void this.demote().then(() =>
      this.serially(async () => {
        await this.follower?.stop();
        this.follower = undefined;
      }),
    );
    for (const l of this.failureListeners) l(e);
  }

  private newFollower(): Follower {
    return new Follower(this.view, {
      onError: (e) => {
        if (e instanceof IntegrityError) this.fail(e);
      },
    });
  }

  /** True while this registry does not sequence: a read replica, or a standby not yet promoted. */
  get readOnly(): boolean {
    return this.sequencer === undefined;
  }

  /**
   * Starts sequencing (a standby that won the lease): stops following, checks the store's state
   * tables as a sequencer's start-up does (rebuilding them if they fail the check), catches up
   * with the store, then takes statements. Rejects (staying a standby) if the store cannot be
   * read, a rebuild fails, or this standby opened while the tables needed a rebuild (its map is
   * in memory: a restarted process sequences instead).
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
      if (this.sequencer === undefined && !this.failure) this.follower ??= this.newFollower();
    });
  }

  private serially(fn: () => Promise<void>): Promise<void> {
    const next = this.transition.then(fn);
    this.transition = next.catch(() => undefined);
    return next;
  }

  private async becomeSequencer(): Promise<void> {
    if (!this.makeSequencer) throw new Error("registry: a read replica cannot sequence");
    if (this.failure) throw this.failure;
    if (this.sequencer) return;
    await this.follower?.stop();
    this.follower = undefined;
    try {
      await this.prepareState();
      // A view opened while the tables needed a rebuild keeps the state map in memory: its
      // batches would write rows but not the map's nodes into the tables just made fit.
      if (this.view.store.state && !this.view.map.storage.writesWithBatch)
        throw new Error(
          "registry: this standby opened while the store's state tables needed a rebuild, so its state map is in memory and it cannot sequence into them; restart it",
        );
      await this.view.catchUp();
      await this.publishEmptyLog();
    } catch (e) {
      if (e instanceof IntegrityError) this.fail(e);
      else this.follower = this.newFollower();
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
    if (this.failure) {
      return Promise.reject(
        new RegistryError(
          "DATA_LOSS",
          "integrity-failure",
          `this registry stopped sequencing: ${this.failure.message}`,
        ),
      );
    }
    if (!this.sequencer) {
      return Promise.reject(
        this.makeSequencer
          ? new RegistryError(
              "UNAVAILABLE",
              "not-sequencer",
              "this registry is a standby, not the active sequencer; retry (with the same request id) at the active one",
            )
          : new RegistryError(
              "UNAVAILABLE",
              "read-only",
              "this registry is a read replica; submit to the sequencing registry",
            ),
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

/**
 * Makes the store's state tables fit for a sequencer (state-start-up.ts): at start-up, and when a
 * standby is promoted (the tables may have been left marked for a rebuild, or out of step, by the
 * sequencer it replaces). `force` rebuilds them whatever the checks say.
 */
function prepareState(opts: RegistryOptions, logVerifier: NoteVerifier, force: boolean | undefined) {
  return prepareStateTables(opts.store, opts.authorityPublicKey, logVerifier, {
    ...(force ? { force: true } : {}),
    ...(opts.onStateRebuild ? { onRebuild: opts.onStateRebuild } : {}),
    ...(opts.onStateRebuildProgress ? { onProgress: opts.onStateRebuildProgress } : {}),
    ...(opts.stateCacheBytes !== undefined ? { stateCacheBytes: opts.stateCacheBytes } : {}),
    ...opts.stateRebuildTiming,
  });
}
