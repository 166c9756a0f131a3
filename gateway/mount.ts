// The gateway as the registry process runs it: over the registry's committed view (checkpoint
// from memory, label pages from the projections), with the sequencer's batches in its metrics.

import type { Registry } from "../services/registry.js";
import type { TlsFiles } from "../services/grpc/server.js";
import type { Logger } from "./ops/log.js";
import type { GatewayMetrics } from "./ops/metrics.js";
import { startGateway, type RunningGateway } from "./server.js";
import { viewLogSource } from "./tiles/log-source.js";

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
}

export function startRegistryGateway(registry: Registry, opts: RegistryGatewayOptions): Promise<RunningGateway> {
  return startGateway({
    address: opts.address,
    log: viewLogSource(registry.view),
    registry: { view: registry.view, logVerifierKey: registry.logVerifierKey },
    metrics: opts.metrics,
    ...(opts.publicBaseUrl !== undefined ? { publicBaseUrl: opts.publicBaseUrl } : {}),
    ...(opts.tls ? { tls: opts.tls } : {}),
    ...(opts.accessLog ? { accessLog: true } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
}
