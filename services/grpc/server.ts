// The gRPC transport: one server with message-size limits, optional TLS (and mTLS) from
// certificate files, grpc.health.v1 and server reflection, so standard tools (grpcurl,
// grpc-health-probe) work against the registry. Services are thin adapters over the core.
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import { HealthImplementation } from "grpc-health-check";

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
}

export interface RunningGrpcServer {
  readonly server: grpc.Server;
  readonly port: number;
  readonly address: string;
  readonly health: HealthImplementation;
  /** Graceful shutdown, forced after `graceMs`. */
  close(graceMs?: number): Promise<void>;
}

const protoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "proto");

function protoFiles(): string[] {
  const dir = join(protoRoot, "labelreg", "v1");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".proto"))
    .map((f) => join("labelreg", "v1", f));
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
  if (/EADDRINUSE/.test(err.message)) return new Error(`cannot listen for gRPC on ${address}: the address is already in use (another registry running? --grpc chooses another address)`, { cause: err });
  if (/EACCES/.test(err.message)) return new Error(`cannot listen for gRPC on ${address}: permission denied (ports below 1024 need privileges)`, { cause: err });
  return new Error(`cannot listen for gRPC on ${address}: ${err.message}`, { cause: err });
}

export async function startGrpcServer(opts: GrpcServerOptions): Promise<RunningGrpcServer> {
  const server = new grpc.Server({
    "grpc.max_receive_message_length": opts.maxMessageBytes,
    "grpc.max_send_message_length": opts.maxMessageBytes,
    "grpc.keepalive_permit_without_calls": 1,
  });
  for (const s of opts.services) server.addService(s.definition, s.implementation);

  const statuses: Record<string, "SERVING"> = { "": "SERVING" };
  for (const s of opts.services) statuses[s.name] = "SERVING";
  const health = new HealthImplementation(statuses);
  health.addToServer(server);

  const pkg = protoLoader.loadSync(protoFiles(), { includeDirs: [protoRoot], keepCase: true, longs: String });
  new ReflectionService(pkg).addToServer(server);

  const port = await new Promise<number>((res, rej) =>
    server.bindAsync(opts.address, serverCredentials(opts.tls), (err, p) => (err ? rej(bindError(opts.address, err)) : res(p))),
  );
  const host = opts.address.slice(0, opts.address.lastIndexOf(":"));
  return {
    server,
    port,
    address: `${host}:${port}`,
    health,
    close: (graceMs = 2000) =>
      new Promise<void>((res) => {
        for (const s of opts.services) health.setStatus(s.name, "NOT_SERVING");
        const force = setTimeout(() => server.forceShutdown(), graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          res();
        });
      }),
  };
}
