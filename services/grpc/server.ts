// The gRPC transport: one server with message-size limits, optional TLS (and mTLS) from
// certificate files, grpc.health.v1 and server reflection, so standard tools (grpcurl,
// grpc-health-probe) work against the registry. Services are thin adapters over the core.
import { readFileSync } from "node:fs";
import * as grpc from "@grpc/grpc-js";
import { ReflectionService } from "@grpc/reflection";
import { HealthImplementation } from "grpc-health-check";
import { parseListenAddress } from "../../gateway/server.js";
import {
  checkConnectionLimits,
  DEFAULT_GRPC_CONNECTION_LIMITS,
  grpcConnectionOptions,
  listenGated,
  type GrpcConnectionLimits,
} from "./connection-limits.js";
import { protoPackage } from "./proto-package.js";

export interface TlsFiles {
  /** PEM certificate chain presented by the server. */
  readonly certFile: string;
  /** PEM private key of that certificate. */
  readonly keyFile: string;
  /** PEM CA bundle: when set, clients must present a certificate it signed (mutual TLS). */
  readonly clientCaFile?: string;
}

export interface GrpcServiceBinding {
  /** Fully qualified service name, e.g. labelreg.v1.IssuanceService (for health status). */
  readonly name: string;
  readonly definition: grpc.ServiceDefinition;
  readonly implementation: grpc.UntypedServiceImplementation;
}

export interface GrpcServerOptions {
  /** host:port; port 0 picks a free one. */
  readonly address: string;
  readonly tls?: TlsFiles;
  /** Largest message accepted or sent, in bytes. */
  readonly maxMessageBytes: number;
  readonly services: readonly GrpcServiceBinding[];
  /** Connection limits (connection-limits.ts); each defaults to DEFAULT_GRPC_CONNECTION_LIMITS. */
  readonly connections?: Partial<GrpcConnectionLimits>;
}

export interface RunningGrpcServer {
  readonly server: grpc.Server;
  readonly port: number;
  readonly address: string;
  readonly health: HealthImplementation;
  /** Open connections (tests, metrics). */
  connections(): number;
  /** Graceful shutdown, forced after `graceMs`. */
  close(graceMs?: number): Promise<void>;
}

export function serverCredentials(tls: TlsFiles | undefined): grpc.ServerCredentials {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  const ca = tls.clientCaFile ? readFileSync(tls.clientCaFile) : null;
  return grpc.ServerCredentials.createSsl(
    ca,
    [{ private_key: readFileSync(tls.keyFile), cert_chain: readFileSync(tls.certFile) }],
    ca !== null,
  );
}

// grpc-js logs a failed bind itself ("E No address added out of total 1 resolved") and then fails
// it; bindError below says the same once, in words. Its other lines are kept as grpc-js writes them.
const BIND_FAILED = "No address added";
grpc.setLogger({
  error: (message?: unknown, ...rest: unknown[]) => {
    if (!String(message).startsWith(BIND_FAILED)) console.error(`E ${String(message)}`, ...rest);
  },
  info: (message?: unknown, ...rest: unknown[]) => console.error(`I ${String(message)}`, ...rest),
  debug: (message?: unknown, ...rest: unknown[]) => console.error(`D ${String(message)}`, ...rest),
});

/** grpc-js reports a busy port as "No address added out of total 1 resolved": say what it means. */
function bindError(address: string, err: Error): Error {
  if (/EADDRINUSE/.test(err.message))
    return new Error(
      `cannot listen for gRPC on ${address}: the address is already in use (another registry running? --grpc chooses another address)`,
      { cause: err },
    );
  if (/EACCES/.test(err.message))
    return new Error(`cannot listen for gRPC on ${address}: permission denied (ports below 1024 need privileges)`, {
      cause: err,
    });
  return new Error(`cannot listen for gRPC on ${address}: ${err.message}`, { cause: err });
}

export async function startGrpcServer(opts: GrpcServerOptions): Promise<RunningGrpcServer> {
  const limits = checkConnectionLimits({ ...DEFAULT_GRPC_CONNECTION_LIMITS, ...opts.connections });
  const server = new grpc.Server({
    "grpc.max_receive_message_length": opts.maxMessageBytes,
    "grpc.max_send_message_length": opts.maxMessageBytes,
    "grpc.keepalive_permit_without_calls": 1,
    ...grpcConnectionOptions(limits),
  });
  for (const s of opts.services) server.addService(s.definition, s.implementation);

  const statuses: Record<string, "SERVING"> = { "": "SERVING" };
  for (const s of opts.services) statuses[s.name] = "SERVING";
  const health = new HealthImplementation(statuses);
  health.addToServer(server);

  new ReflectionService(protoPackage()).addToServer(server);

  // The registry accepts connections itself, so it can cap them (connection-limits.ts).
  const { host, port: wantedPort } = parseListenAddress(opts.address);
  const injector = server.createConnectionInjector(serverCredentials(opts.tls));
  const listener = await listenGated(host, wantedPort, limits, (socket) => injector.injectConnection(socket)).catch(
    (err: Error) => {
      injector.destroy();
      throw bindError(opts.address, err);
    },
  );
  const port = listener.port;
  // Shutting the grpc-js server down also stops this listener, as it would a port it bound.
  const force = server.forceShutdown.bind(server);
  server.forceShutdown = () => {
    force();
    injector.destroy();
    void listener.close(0);
  };
  const tryShutdown = server.tryShutdown.bind(server);
  server.tryShutdown = (callback) => {
    listener.server.close();
    tryShutdown(callback);
  };
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return {
    server,
    port,
    address: `${shownHost}:${port}`,
    health,
    connections: () => listener.connections(),
    close: async (graceMs = 2000) => {
      for (const s of opts.services) health.setStatus(s.name, "NOT_SERVING");
      const closing = listener.close(graceMs);
      await new Promise<void>((res) => {
        const force = setTimeout(() => server.forceShutdown(), graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          res();
        });
      });
      injector.destroy();
      await closing;
    },
  };
}
