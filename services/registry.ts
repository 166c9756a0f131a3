// The registry core: the log view, its projections and the sequencer, assembled over one store.
// It knows no transport: the gRPC services (services/grpc/) and the HTTP gateway (gateway/) are
// thin adapters over this object.
import type { TreeHasher } from "../log/hash.js";
import type { Ed25519NoteSigner } from "../log/note-keys.js";
import type { Ed25519 } from "../log/ed25519.js";
import type { SignedStatement } from "../proto/gen/messages/labelreg/v1/entry.js";
import { nodeVerifyAsync, type VerifyAsyncFn } from "./crypto/ed25519-async.js";
import { nodeEd25519 } from "./crypto/ed25519-node.js";
import { nodeHasher } from "./crypto/sha256-node.js";
import { domainConfig, type DomainConfig } from "./domain/config.js";
import { RegistryError } from "./sequencer/errors.js";
import { LogView } from "./sequencer/log-view.js";
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
   * Signature checks off the event loop; default: Node's crypto on the thread pool when
   * `ed25519` is not given (it agrees with nodeEd25519), else the synchronous `ed25519.verify`.
   */
  readonly verifyAsync?: VerifyAsyncFn | false;
  readonly hasher?: TreeHasher;
  readonly clockSkewSeconds?: number;
  readonly maxValiditySeconds?: number;
  readonly now?: () => bigint;
  readonly batch?: SequencerOptions["batch"];
  readonly onBatch?: SequencerOptions["onBatch"];
  /** Serve reads only: never sequence (read replicas). */
  readonly readOnly?: boolean;
}

export class Registry {
  private constructor(
    readonly view: LogView,
    readonly domain: DomainConfig,
    readonly origin: string,
    readonly logVerifierKey: string,
    private readonly sequencer: Sequencer | undefined,
  ) {}

  /** Opens the registry over `store`, rebuilding every projection by replaying the log. */
  static async open(opts: RegistryOptions): Promise<Registry> {
    const ed = opts.ed25519 ?? nodeEd25519;
    const hasher = opts.hasher ?? nodeHasher;
    const domain = domainConfig(opts.authorityPublicKey, ed.verify, {
      ...(opts.clockSkewSeconds !== undefined ? { clockSkewSeconds: opts.clockSkewSeconds } : {}),
      ...(opts.maxValiditySeconds !== undefined ? { maxValiditySeconds: opts.maxValiditySeconds } : {}),
    });
    const view = new LogView(opts.store, hasher, opts.authorityPublicKey);
    await view.catchUp();
    const origin = opts.logSigner.name;
    const verifyAsync = opts.verifyAsync ?? (opts.ed25519 ? false : nodeVerifyAsync);
    const sequencer = opts.readOnly
      ? undefined
      : new Sequencer({
          view,
          domain,
          logSigner: opts.logSigner,
          origin,
          ...(opts.now ? { now: opts.now } : {}),
          ...(opts.batch ? { batch: opts.batch } : {}),
          ...(opts.onBatch ? { onBatch: opts.onBatch } : {}),
          ...(verifyAsync ? { verifyAsync } : {}),
        });
    return new Registry(view, domain, origin, opts.logSigner.verifierKey, sequencer);
  }

  get readOnly(): boolean {
    return this.sequencer === undefined;
  }

  /** Statements waiting to be sequenced. */
  get pending(): number {
    return this.sequencer?.pending ?? 0;
  }

  /** Sequences a signed statement; resolves with its receipt once durable. Throws RegistryError. */
  submit(signed: SignedStatement): Promise<SequencedReceipt> {
    if (!this.sequencer) {
      return Promise.reject(new RegistryError("UNAVAILABLE", "read-only", "this registry is a read replica; submit to the sequencing registry"));
    }
    return this.sequencer.submit(signed);
  }

  /** Finishes queued statements, then closes the store. */
  async close(): Promise<void> {
    await this.sequencer?.close();
    await this.view.store.close();
  }
}
