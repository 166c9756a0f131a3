// Assembles a running registry from its configuration: keys, store, core, gRPC server. The CLI's
// `serve` and the tests call this; nothing here parses command lines.
import { join, resolve } from "node:path";
import { startRegistryGateway } from "../gateway/mount.js";
import { GatewayMetrics } from "../gateway/ops/metrics.js";
import type { RunningGateway } from "../gateway/server.js";
import { parseVerifierKey, type Ed25519NoteSigner } from "../log/note-keys.js";
import {
  ensurePrivateDir,
  loadOrCreateSignerKey,
  publicKeyOfVerifierKey,
  readSignerKeyFile,
  readVerifierKey,
} from "../services/config/key-files.js";
import { nodeEd25519 } from "../services/crypto/ed25519-node.js";
import { uncached } from "../services/integrity/check-log.js";
import { LogKeyError, replicaLogKey, sequencerLogKey } from "../services/integrity/log-key.js";
import {
  checkNoEntriesBeyondCheckpoint,
  checkNotBehindRecord,
  probeWitnesses,
  PublishedSizeRecorder,
  publishedSizePath,
  readPublishedSize,
} from "../services/integrity/rollback.js";
import { DEFAULT_SCRUB_RATE, Scrub } from "../services/integrity/scrub.js";
import { issuanceService } from "../services/grpc/issuance.js";
import { logService } from "../services/grpc/log.js";
import { Witnessing, type WitnessingOptions } from "../services/sequencer/witnessing.js";
import type { GrpcConnectionLimits } from "../services/grpc/connection-limits.js";
import { startGrpcServer, type RunningGrpcServer, type TlsFiles } from "../services/grpc/server.js";
import { verificationService } from "../services/grpc/verification.js";
import { Registry } from "../services/registry.js";
import type { BatcherOptions } from "../services/sequencer/batcher.js";
import type { RateLimit } from "../services/sequencer/rate-limit.js";
import { LeaderElection, type LeadershipEvent } from "../services/sequencer/leadership.js";
import { openConfiguredStore, type StoreSpec } from "../services/store/open.js";
import type { RebuildProgress } from "../services/integrity/rebuild.js";
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
  /** Connection limits of the gRPC listener (idle and age limits, keepalive, a cap); defaults in connection-limits.ts. */
  readonly grpcConnections?: Partial<GrpcConnectionLimits>;
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
  /**
   * False only for benchmarks on a new log: batches end without a state map commitment
   * (Registry's mapCommitments). Refused on a log that has entries.
   */
  readonly mapCommitments?: false;
  /** Witnesses to cosign each checkpoint (k of n, with a timeout); none by default. */
  readonly witnessing?: WitnessingOptions;
  readonly clockSkewSeconds?: number;
  /**
   * The log's verifier key (string or file). A read replica needs it and holds no private key;
   * a sequencer checks that its log.key is this key.
   */
  readonly logKey?: string;
  /** Start even if the store is behind the size this registry recorded as published (a fork the operator accepts). */
  readonly acceptRollback?: boolean;
  /** The background scrub's pace, entries per second; 0 turns it off. Default DEFAULT_SCRUB_RATE. */
  readonly scrubEntriesPerSecond?: number;
  /**
   * Whether each scrub pass also recomputes the state map and checks every commitment (as fsck
   * does). Off by default: it costs about a start-up's replay per pass, where re-hashing the
   * entries against the signed tree (always done) costs little, and catch-up already checks every
   * commitment this process reads.
   */
  readonly scrubMap?: boolean;
  /**
   * Rebuild the store's state tables from the log before serving (`serve --rebuild`). Without
   * it they are rebuilt only when the start-up checks find them out of step (an upgrade).
   */
  readonly rebuild?: boolean;
  /** Memory for the state map's nodes read from the store (DEFAULT_MAP_CACHE_BYTES by default). */
  readonly mapCacheBytes?: number;
  /** Heap a partial state's records may take between batches (DEFAULT_STATE_CACHE_BYTES by default). */
  readonly stateCacheBytes?: number;
  /** Memory for the log's tiles, hashed up (DEFAULT_TILE_CACHE_BYTES by default). */
  readonly tileCacheBytes?: number;
  /** Memory for entries and tiles read from a remote store (DEFAULT_READ_CACHE_BYTES by default). */
  readonly readCacheBytes?: number;
  /** A state-table rebuild's heartbeat, and the age at which another's counts as dead (Registry's stateRebuildTiming). */
  readonly stateRebuildTiming?: { readonly heartbeatMs?: number; readonly staleAfterMs?: number };
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
  if (config.readOnly && config.logKey === undefined) {
    throw new Error(
      "a read replica (--read-only) needs the log's verifier key: --log-key <vkey|file> (it never uses the private log.key)",
    );
  }
  const givenLogKey = config.logKey === undefined ? undefined : readVerifierKey(config.logKey);
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
    : await openConfiguredStore(config.storage ?? { kind: "sqlite" }, {
        dataDir,
        readOnly: config.readOnly === true,
        ...(config.readCacheBytes !== undefined ? { readCacheBytes: config.readCacheBytes } : {}),
      });
  let opened: Awaited<ReturnType<typeof openTrusted>>;
  try {
    opened = await openTrusted(config, dataDir, store, {
      givenLogKey,
      authorityVerifierKey,
      standby: lease !== undefined,
    });
  } catch (e) {
    await lease?.close();
    await store.close();
    throw e;
  }
  const { registry, logVerifierKey, recorder } = opened;
  const scrub = startScrub(config, store, registry);
  // Proofs for old entries are fast only from warm tiles: warm them in the background.
  const warming = new AbortController();
  void registry.view.warmTiles(warming.signal);
  // With a lease, this process is a standby until it holds the lease, and then the sequencer.
  const witnessing =
    config.witnessing && !config.readOnly ? new Witnessing(registry.view, config.witnessing) : undefined;
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
  const stopChecks = async () => {
    await scrub?.stop();
    await recorder.flush();
  };
  const grpc = await startGrpcServer({
    address: config.grpcAddress,
    maxMessageBytes: MAX_GRPC_MESSAGE_BYTES,
    ...(config.tls ? { tls: config.tls } : {}),
    ...(config.grpcConnections ? { connections: config.grpcConnections } : {}),
    services: [
      issuanceService(registry),
      logService(registry, witnessing && ((fn) => witnessing.onNoteChange(fn))),
      verificationService(registry),
    ],
  }).catch(async (e: unknown) => {
    warming.abort();
    await election?.stop();
    await stopChecks();
    await registry.close();
    throw e;
  });
  const metrics = opened.metrics;
  const http = config.http
    ? await startRegistryGateway(registry, {
        address: config.http.address,
        metrics,
        ...(config.http.publicBaseUrl ? { publicBaseUrl: config.http.publicBaseUrl } : {}),
        ...(config.http.accessLog ? { accessLog: true } : {}),
        ...(config.tls ? { tls: config.tls } : {}),
        // Pages pin the witness policy receipts wait for, so browsers check the same k of n.
        ...(config.witnessing
          ? {
              witnesses: {
                verifierKeys: config.witnessing.witnesses.map((w) => w.verifierKey),
                required: config.witnessing.required,
              },
            }
          : {}),
      }).catch(async (e: unknown) => {
        warming.abort();
        await grpc.close();
        await election?.stop();
        await stopChecks();
        await registry.close();
        throw e;
      })
    : undefined;
  return {
    registry,
    grpc,
    http,
    logVerifierKey,
    authorityVerifierKey,
    devAuthorityKeyFile,
    async close() {
      warming.abort();
      witnessing?.close();
      await http?.close();
      await grpc.close();
      await election?.stop();
      await stopChecks();
      await registry.close();
    },
  };
}

/**
 * The log key, the registry over the checked store, and the rollback checks: everything that
 * must hold before this process serves or sequences anything (services/integrity/).
 */
async function openTrusted(
  config: ServerConfig,
  dataDir: string,
  store: LogStore,
  {
    givenLogKey,
    authorityVerifierKey,
    standby,
  }: { givenLogKey: string | undefined; authorityVerifierKey: string; standby: boolean },
) {
  await checkNoEntriesBeyondCheckpoint(store);
  let logSigner: Ed25519NoteSigner | undefined;
  if (config.readOnly) {
    await replicaLogKey(givenLogKey!, store);
  } else {
    logSigner = (await sequencerLogKey(logKeyPath(dataDir), config.origin, store)).signer;
    if (givenLogKey !== undefined && givenLogKey !== logSigner.verifierKey) {
      throw new LogKeyError(
        `--log-key is not the verifier key of ${logKeyPath(dataDir)} (${logSigner.verifierKey.split("+").slice(0, 2).join("+")})`,
      );
    }
  }
  if (config.mapCommitments === false && ((await store.latestCheckpoint())?.size ?? 0) > 0)
    throw new Error("--no-map-commitments is for benchmarks on a new log; this log has entries");
  const metrics = new GatewayMetrics();
  const registry = await Registry.open({
    store,
    ...(logSigner ? { logSigner } : { logVerifierKey: givenLogKey! }),
    authorityPublicKey: publicKeyOfVerifierKey(authorityVerifierKey),
    ...(config.batch ? { batch: config.batch } : {}),
    ...(config.rateLimit ? { rateLimit: config.rateLimit } : {}),
    ...(config.readOnly ? { readOnly: true } : {}),
    ...(config.mapCommitments === false ? { mapCommitments: false } : {}),
    ...(standby ? { standby: true } : {}),
    ...(config.clockSkewSeconds !== undefined ? { clockSkewSeconds: config.clockSkewSeconds } : {}),
    ...(config.mapCacheBytes !== undefined ? { mapCacheBytes: config.mapCacheBytes } : {}),
    ...(config.stateCacheBytes !== undefined ? { stateCacheBytes: config.stateCacheBytes } : {}),
    ...(config.tileCacheBytes !== undefined ? { tileCacheBytes: config.tileCacheBytes } : {}),
    ...(config.stateRebuildTiming ? { stateRebuildTiming: config.stateRebuildTiming } : {}),
    onBatch: metrics.observeBatch,
    ...(config.rebuild ? { rebuildState: true } : {}),
    ...rebuildLogging(),
  });
  try {
    const recordPath = publishedSizePath(dataDir);
    const record = readPublishedSize(recordPath);
    if (record && !config.acceptRollback) await checkNotBehindRecord(registry.view, record, recordPath);
    if (config.witnessing && !config.readOnly) {
      for (const p of await probeWitnesses(
        registry.view,
        config.witnessing.witnesses,
        config.witnessing.requestTimeoutMs ?? 10_000,
      )) {
        if (p.error)
          console.error(
            JSON.stringify({
              level: "warn",
              msg: "labelreg: could not ask a witness for its latest size of this log at start-up",
              witness: p.url,
              error: p.error,
            }),
          );
      }
    }
    const recorder = new PublishedSizeRecorder(recordPath, registry.origin, config.acceptRollback ? undefined : record);
    const view = registry.view;
    if (view.size > 0 || config.acceptRollback) await recorder.record(view.size, view.tree.root, config.acceptRollback);
    view.onAdvance((size) => void recorder.record(size, view.tree.root));
    registry.onIntegrityFailure((e) => {
      console.error(
        JSON.stringify({
          level: "error",
          msg: "labelreg: the store failed an integrity check; sequencing stopped",
          problem: e.problem,
          index: e.index,
          error: e.message,
        }),
      );
    });
    return { registry, logVerifierKey: registry.logVerifierKey, recorder, metrics };
  } catch (e) {
    await registry.close();
    throw e;
  }
}

/** The background scrub (services/integrity/scrub.ts), unless turned off. */
function startScrub(config: ServerConfig, store: LogStore, registry: Registry): Scrub | undefined {
  const rate = config.scrubEntriesPerSecond ?? DEFAULT_SCRUB_RATE;
  if (rate <= 0) return undefined;
  return new Scrub({
    store: uncached(store),
    log: parseVerifierKey(registry.logVerifierKey, nodeEd25519),
    ...(config.scrubMap ? { authorityPublicKey: registry.domain.authorityPublicKey } : {}),
    entriesPerSecond: rate,
    onMismatch: (e) => registry.fail(e),
  });
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

/** Log lines of a state-table rebuild at start-up: why it runs, then its progress now and then. */
function rebuildLogging(): {
  onStateRebuild: (reason: string) => void;
  onStateRebuildProgress: (p: RebuildProgress) => void;
} {
  let started = 0;
  let lastLine = 0;
  return {
    onStateRebuild: (reason) => {
      started = lastLine = performance.now();
      console.log(JSON.stringify({ msg: "labelreg: rebuilding the state tables from the log", reason }));
    },
    onStateRebuildProgress: (p) => {
      const now = performance.now();
      if (p.done < p.total && now - lastLine < 5000) return;
      lastLine = now;
      console.log(
        JSON.stringify({ msg: "labelreg: state rebuild", ...p, seconds: Math.round((now - started) / 100) / 10 }),
      );
    },
  };
}
