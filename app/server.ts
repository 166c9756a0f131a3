// Assembles a running registry from its configuration: keys, store, core, gRPC server. The CLI's
// `serve` and the tests call this; nothing here parses command lines.
import { join, resolve } from "node:path";
import type { Ed25519NoteSigner } from "../log/note-keys.js";
import { startRegistryGateway } from "../gateway/mount.js";
import { GatewayMetrics } from "../gateway/ops/metrics.js";
import type { RunningGateway } from "../gateway/server.js";
import { ensurePrivateDir, loadOrCreateSignerKey, publicKeyOfVerifierKey, readSignerKeyFile, readVerifierKey } from "../services/config/key-files.js";
import { issuanceService } from "../services/grpc/issuance.js";
import { logService } from "../services/grpc/log.js";
import { Witnessing, type WitnessingOptions } from "../services/sequencer/witnessing.js";
import { startGrpcServer, type RunningGrpcServer, type TlsFiles } from "../services/grpc/server.js";
import { verificationService } from "../services/grpc/verification.js";
import { Registry } from "../services/registry.js";
import type { BatcherOptions } from "../services/sequencer/batcher.js";
import type { RateLimit } from "../services/sequencer/rate-limit.js";
import { LeaderElection, type LeadershipEvent } from "../services/sequencer/leadership.js";
import { openConfiguredStore, type StoreSpec } from "../services/store/open.js";
import type { LogStore } from "../services/store/port.js";

export const DEFAULT_ORIGIN = "localhost/labelreg";
export const DEFAULT_GRPC_ADDRESS = "127.0.0.1:50051";
/** Largest gRPC message: a bulk verification answer is the biggest thing we send. */
export const MAX_GRPC_MESSAGE_BYTES = 16 * 1024 * 1024;

export interface ServerConfig {
  readonly dataDir: string;
  readonly grpcAddress: string;
  /** The log's origin (its key name), used when the data directory has no log key yet. */
  readonly origin: string;
  /**
   * The authority's verifier key (string or file). Absent: a development authority key is
   * created in the data directory (never do that in production).
   */
  readonly authorityKey?: string;
  readonly tls?: TlsFiles;
  readonly batch?: Partial<BatcherOptions>;
  /** Per-signer statements/s limit. */
  readonly rateLimit?: RateLimit;
  /** Overrides the store (tests); else `storage` is opened. */
  readonly store?: LogStore;
  /**
   * The event store; default SQLite in the data directory. On PostgreSQL a sequencing process
   * starts as a standby and sequences while it holds the lease (failover).
   */
  readonly storage?: StoreSpec;
  readonly readOnly?: boolean;
  /** Witnesses to cosign each checkpoint (k of n, with a timeout); none by default. */
  readonly witnessing?: WitnessingOptions;
  readonly clockSkewSeconds?: number;
  /** The HTTP gateway (tlog-tiles, label pages, metrics); absent: none. Uses `tls` too when set. */
  readonly http?: { readonly address: string; readonly publicBaseUrl?: string; readonly accessLog?: boolean };
}

export interface RunningRegistry {
  readonly registry: Registry;
  readonly grpc: RunningGrpcServer;
  readonly http: RunningGateway | undefined;
  readonly logVerifierKey: string;
  readonly authorityVerifierKey: string;
  /** Set when this start created a development authority key: its private key file. */
  readonly devAuthorityKeyFile: string | undefined;
  close(): Promise<void>;
}

export function logKeyPath(dataDir: string): string {
  return join(dataDir, "log.key");
}

export function devAuthorityKeyPath(dataDir: string): string {
  return join(dataDir, "authority.key");
}

export async function startRegistry(config: ServerConfig): Promise<RunningRegistry> {
  const dataDir = resolve(config.dataDir);
  ensurePrivateDir(dataDir);
  const { signer: logSigner } = loadOrCreateSignerKey(logKeyPath(dataDir), config.origin);
  let authorityVerifierKey: string;
  let devAuthorityKeyFile: string | undefined;
  if (config.authorityKey) {
    authorityVerifierKey = readVerifierKey(config.authorityKey);
  } else {
    const dev = loadOrCreateSignerKey(devAuthorityKeyPath(dataDir), "labelreg-dev-authority");
    authorityVerifierKey = (dev.signer as Ed25519NoteSigner).verifierKey;
    devAuthorityKeyFile = devAuthorityKeyPath(dataDir);
  }
  const { store, lease } = config.store
    ? { store: config.store, lease: undefined }
    : await openConfiguredStore(config.storage ?? { kind: "sqlite" }, { dataDir, readOnly: config.readOnly === true });
  const metrics = new GatewayMetrics();
  const registry = await Registry.open({
    store,
    logSigner,
    authorityPublicKey: publicKeyOfVerifierKey(authorityVerifierKey),
    ...(config.batch ? { batch: config.batch } : {}),
    ...(config.rateLimit ? { rateLimit: config.rateLimit } : {}),
    ...(config.readOnly ? { readOnly: true } : {}),
    ...(lease ? { standby: true } : {}),
    ...(config.clockSkewSeconds !== undefined ? { clockSkewSeconds: config.clockSkewSeconds } : {}),
    onBatch: metrics.observeBatch,
  });
  // Proofs for old entries are fast only from warm tiles: warm them in the background.
  const warming = new AbortController();
  void registry.view.warmTiles(warming.signal);
  // With a lease, this process is a standby until it holds the lease, and then the sequencer.
  const witnessing = config.witnessing && !config.readOnly ? new Witnessing(registry.view, config.witnessing) : undefined;
  if (witnessing) registry.view.cosign = witnessing.cosign;
  // Only the sequencer asks witnesses to cosign its latest checkpoint: a standby would store
  // their cosignatures into a log it does not write. With a lease, that is on promotion.
  const election = lease
    ? new LeaderElection(registry, lease, {
        onEvent: (e) => {
          logLeadership(e);
          if (e.kind === "promoted") void witnessing?.cosignLatest();
        },
      })
    : undefined;
  if (!lease) void witnessing?.cosignLatest();
  const grpc = await startGrpcServer({
    address: config.grpcAddress,
    maxMessageBytes: MAX_GRPC_MESSAGE_BYTES,
    ...(config.tls ? { tls: config.tls } : {}),
    services: [issuanceService(registry), logService(registry, witnessing && ((fn) => witnessing.onNoteChange(fn))), verificationService(registry)],
  });
  const http = config.http
    ? await startRegistryGateway(registry, {
        address: config.http.address,
        metrics,
        ...(config.http.publicBaseUrl ? { publicBaseUrl: config.http.publicBaseUrl } : {}),
        ...(config.http.accessLog ? { accessLog: true } : {}),
        ...(config.tls ? { tls: config.tls } : {}),
        // Pages pin the witness policy receipts wait for, so browsers check the same k of n.
        ...(config.witnessing ? { witnesses: { verifierKeys: config.witnessing.witnesses.map((w) => w.verifierKey), required: config.witnessing.required } } : {}),
      }).catch(async (e: unknown) => {
        warming.abort();
        await grpc.close();
        await election?.stop();
        await registry.close();
        throw e;
      })
    : undefined;
  return {
    registry,
    grpc,
    http,
    logVerifierKey: logSigner.verifierKey,
    authorityVerifierKey,
    devAuthorityKeyFile,
    async close() {
      warming.abort();
      witnessing?.close();
      await http?.close();
      await grpc.close();
      await election?.stop();
      await registry.close();
    },
  };
}

let lastLeaseError = "";
/** Role changes as JSON lines on stdout, next to the start-up line; a repeated error once. */
function logLeadership(e: LeadershipEvent): void {
  if (e.kind === "error") {
    const error = e.error instanceof Error ? e.error.message : String(e.error);
    if (error === lastLeaseError) return;
    lastLeaseError = error;
    console.log(JSON.stringify({ msg: "labelreg sequencer lease", kind: e.kind, error }));
    return;
  }
  lastLeaseError = "";
  console.log(JSON.stringify({ msg: "labelreg sequencer lease", ...e }));
}

export { readSignerKeyFile };
