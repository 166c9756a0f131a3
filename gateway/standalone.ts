// The gateway as its own process (`labelreg gateway --registry HOST:PORT`): the log read through
// the registry's LogService, the JSON API and the label pages through its VerificationService.
// Label bundles are verified against the pinned log and authority keys before a page shows them.

import type { ChannelCredentials } from "@grpc/grpc-js";
import type { TlsFiles } from "../services/grpc/server.js";
import { resolveTrust } from "../services/verify/trust.js";
import { GrpcReadApi } from "./api/grpc-read-api.js";
import { JsonApi } from "./api/json-api.js";
import { TenderCheck } from "./tender/tender-check.js";
import { DEFAULT_LIMITS } from "./http/limits.js";
import { bundleLabelSource } from "./labels/bundle-label-source.js";
import { jsonLogger, type Logger } from "./ops/log.js";
import type { PageWitnesses } from "./page/label-page.js";
import { startGateway, type RunningGateway } from "./server.js";
import { grpcLogSource } from "./tiles/grpc-log-source.js";
import { verifierOptions } from "./verifier/build.js";

export interface StandaloneGatewayOptions {
  /** The registry's gRPC address, host:port. */
  readonly registry: string;
  readonly credentials: ChannelCredentials;
  /** host:port to listen on. */
  readonly address: string;
  /**
   * The keys label pages are checked against and pin for the browser: the log's verifier key
   * (its name is the origin) and the authority's Ed25519 public key. Without them only the log,
   * /healthz and /metrics are served.
   */
  readonly trust?: {
    readonly logVerifierKey: string;
    readonly authorityPublicKey: Uint8Array;
    /** The registry's rule parameters, when it does not run with the defaults (entries replay under them). */
    readonly clockSkewSeconds?: number;
    readonly maxValiditySeconds?: number;
  };
  /** The registry's witnesses (k of these cosignature keys), pinned in label pages for the browser. */
  readonly witnesses?: PageWitnesses;
  readonly publicBaseUrl?: string;
  readonly tls?: Pick<TlsFiles, "certFile" | "keyFile">;
  readonly accessLog?: boolean;
  readonly logger?: Logger;
  /** The clock label statuses (expiry) are read at; default the system clock. */
  readonly now?: () => Date;
  /** How long the polled checkpoint is reused (ms); default 500. */
  readonly checkpointTtlMs?: number;
}

/** Starts the gateway; close() also closes its gRPC channels. Throws NoteError for a malformed log key. */
export async function startStandaloneGateway(opts: StandaloneGatewayOptions): Promise<RunningGateway> {
  const logger = opts.logger ?? jsonLogger;
  const log = grpcLogSource(opts.registry, opts.credentials, opts.checkpointTtlMs);
  const reads = new GrpcReadApi(opts.registry, opts.credentials);
  const trust = opts.trust && resolveTrust({ ...opts.trust, logKey: opts.trust.logVerifierKey });
  const tender = trust && new TenderCheck(reads, trust, opts.now);
  let running: RunningGateway;
  try {
    running = await startGateway({
      address: opts.address,
      log,
      ...(trust && opts.trust
        ? {
            ...(await verifierOptions(logger)),
            registry: {
              labels: bundleLabelSource(reads, trust),
              logVerifierKey: opts.trust.logVerifierKey,
              ...(opts.witnesses ? { witnesses: opts.witnesses } : {}),
            },
            api: new JsonApi({ reads, ...(tender ? { tender } : {}), maxBodyBytes: DEFAULT_LIMITS.maxBodyBytes }),
            reads,
            ...(tender ? { tender } : {}),
          }
        : {}),
      ...(opts.publicBaseUrl !== undefined ? { publicBaseUrl: opts.publicBaseUrl } : {}),
      ...(opts.tls ? { tls: opts.tls } : {}),
      ...(opts.accessLog ? { accessLog: true } : {}),
      logger,
      ...(opts.now ? { now: opts.now } : {}),
    });
  } catch (e) {
    log.close();
    reads.close();
    throw e;
  }
  return {
    ...running,
    async close() {
      await running.close();
      log.close();
      reads.close();
    },
  };
}
