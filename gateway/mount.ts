// The gateway as the registry process runs it: over the registry's committed view (checkpoint
// from memory, label pages from the projections), with the sequencer's batches in its metrics.

import { LogReads } from "../services/logreads/log-reads.js";
import { Reads } from "../services/reads/reads.js";
import type { Registry } from "../services/registry.js";
import { JsonApi } from "./api/json-api.js";
import { InProcessReadApi } from "./api/read-api.js";
import { nodeEd25519 } from "../services/crypto/ed25519-node.js";
import { resolveTrust } from "../services/verify/trust.js";
import { TenderCheck } from "./tender/tender-check.js";
import { DEFAULT_LIMITS, type GatewayLimits } from "./http/limits.js";
import { jsonLogger } from "./ops/log.js";
import { verifierOptions } from "./verifier/build.js";
import type { TlsFiles } from "../services/grpc/server.js";
import type { Logger } from "./ops/log.js";
import type { GatewayMetrics } from "./ops/metrics.js";
import { startGateway, type RunningGateway } from "./server.js";
import { viewLogSource } from "./tiles/log-source.js";
import { viewLabelSource } from "./labels/label-source.js";
import type { PageWitnesses } from "./page/label-page.js";

export interface RegistryGatewayOptions {
  /** host:port to listen on. */
  readonly address: string;
  /** The public base URL QR codes point to; default the listen address as http(s)://host:port. */
  readonly publicBaseUrl?: string;
  readonly tls?: Pick<TlsFiles, "certFile" | "keyFile">;
  /** Create it before Registry.open and pass its observeBatch as onBatch. */
  readonly metrics: GatewayMetrics;
  readonly accessLog?: boolean;
  readonly logger?: Logger;
  /** The registry's witnesses (k of these cosignature keys), pinned in label pages. */
  readonly witnesses?: PageWitnesses;
  /** The clock label statuses (expiry) are read at; default the system clock. */
  readonly now?: () => Date;
  /** Input limits and timeouts; default DEFAULT_LIMITS. */
  readonly limits?: Partial<GatewayLimits>;
}

/**
 * Starts the gateway over `registry`. The in-browser verifier is loaded first (verifier/build.ts); if
 * that fails, pages are served without it and say so (they work without JavaScript).
 */
export async function startRegistryGateway(registry: Registry, opts: RegistryGatewayOptions): Promise<RunningGateway> {
  const logger = opts.logger ?? jsonLogger;
  const reads = new InProcessReadApi(
    new Reads(
      registry.view,
      registry.domain,
      opts.now ? { now: () => BigInt(Math.floor(opts.now!().getTime() / 1000)) } : {},
    ),
    new LogReads(registry.view, registry.origin),
  );
  // The tender check verifies the registry's own answers too: its evidence must stand on its proofs.
  const tender = new TenderCheck(
    reads,
    resolveTrust({
      logKey: registry.logVerifierKey,
      authorityPublicKey: registry.domain.authorityPublicKey,
      clockSkewSeconds: registry.domain.clockSkewSeconds,
      maxValiditySeconds: registry.domain.maxValiditySeconds,
      ed25519: nodeEd25519,
    }),
    opts.now,
  );
  return startGateway({
    ...(await verifierOptions(logger)),
    address: opts.address,
    log: viewLogSource(registry.view),
    registry: {
      labels: viewLabelSource(registry.view),
      logVerifierKey: registry.logVerifierKey,
      ...(opts.witnesses ? { witnesses: opts.witnesses } : {}),
    },
    logSize: () => registry.view.size,
    metrics: opts.metrics,
    reads,
    api: new JsonApi({
      reads,
      tender,
      maxBodyBytes: opts.limits?.maxBodyBytes ?? DEFAULT_LIMITS.maxBodyBytes,
    }),
    tender,
    ...(opts.limits ? { limits: opts.limits } : {}),
    ...(opts.publicBaseUrl !== undefined ? { publicBaseUrl: opts.publicBaseUrl } : {}),
    ...(opts.tls ? { tls: opts.tls } : {}),
    ...(opts.accessLog ? { accessLog: true } : {}),
    logger,
    ...(opts.now ? { now: opts.now } : {}),
  });
}
