// Connection limits of the gRPC listener. grpc-js closes idle and old HTTP/2 connections and
// pings peers (the grpc.* options below), but it neither caps connections nor closes a TCP
// connection that never speaks: a client holding thousands of idle sockets took every file
// descriptor, and new gRPC calls and the HTTP gateway of the same process failed. So the
// registry listens itself (a net.Server) and hands each socket to grpc-js through its
// connection injector, after these rules:
//   - a connection that sends nothing within `firstByteTimeoutMs` is closed;
//   - at `maxConnections`, the connection that has been quiet longest is closed to admit the
//     new one: a flood of idle connections cannot lock newcomers out, and an active client is
//     never the one evicted while an idle one remains.
import type * as grpc from "@grpc/grpc-js";
import { createServer, type Server, type Socket } from "node:net";

export interface GrpcConnectionLimits {
  /** Most connections at once; at the cap the quietest is closed for each new one. */
  readonly maxConnections: number;
  /** A connection with no call in progress for this long is closed (GOAWAY). */
  readonly idleMs: number;
  /** Any connection is asked to go away after this long (clients reconnect), ... */
  readonly maxAgeMs: number;
  /** ... and closed this much later if calls (watch streams) still run on it. */
  readonly ageGraceMs: number;
  /** The server pings each connection this often, ... */
  readonly keepaliveTimeMs: number;
  /** ... and closes it if the ping is not answered within this. */
  readonly keepaliveTimeoutMs: number;
  /** A connection that sends no byte for this long after connecting is closed. */
  readonly firstByteTimeoutMs: number;
}

export const DEFAULT_GRPC_CONNECTION_LIMITS: GrpcConnectionLimits = {
  maxConnections: 4096,
  idleMs: 5 * 60_000,
  maxAgeMs: 60 * 60_000,
  ageGraceMs: 5 * 60_000,
  keepaliveTimeMs: 60_000,
  keepaliveTimeoutMs: 20_000,
  firstByteTimeoutMs: 10_000,
};

/** The grpc-js server options that enforce the limits grpc-js itself knows. */
export function grpcConnectionOptions(l: GrpcConnectionLimits): grpc.ServerOptions {
  return {
    "grpc.max_connection_idle_ms": l.idleMs,
    "grpc.max_connection_age_ms": l.maxAgeMs,
    "grpc.max_connection_age_grace_ms": l.ageGraceMs,
    "grpc.keepalive_time_ms": l.keepaliveTimeMs,
    "grpc.keepalive_timeout_ms": l.keepaliveTimeoutMs,
  };
}

/** Checks every limit is a positive whole number; RangeError naming the first that is not. */
export function checkConnectionLimits(l: GrpcConnectionLimits): GrpcConnectionLimits {
  for (const [k, v] of Object.entries(l)) {
    if (!Number.isSafeInteger(v) || v <= 0)
      throw new RangeError(`gRPC connection limit ${k} must be a positive whole number, not ${String(v)}`);
  }
  return l;
}

interface Tracked {
  readonly socket: Socket;
  lastBytes: number;
  lastActive: number;
}

/** How often the quiet time of connections is brought up to date. */
const SWEEP_MS = 1000;

export interface GatedListener {
  readonly server: Server;
  readonly port: number;
  /** Connections open now. */
  connections(): number;
  /** Stops accepting and closes every tracked socket still open after `graceMs`. */
  close(graceMs: number): Promise<void>;
}

/** Listens on host:port and passes admitted sockets to `inject` (a grpc-js connection injector). */
export async function listenGated(
  host: string,
  port: number,
  limits: GrpcConnectionLimits,
  inject: (socket: Socket) => void,
): Promise<GatedListener> {
  const open = new Map<Socket, Tracked>();
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const t of open.values()) {
      if (t.socket.bytesRead !== t.lastBytes) {
        t.lastBytes = t.socket.bytesRead;
        t.lastActive = now;
      } else if (t.lastBytes === 0 && now - t.lastActive >= limits.firstByteTimeoutMs) {
        t.socket.destroy();
      }
    }
  }, SWEEP_MS);
  sweep.unref();

  const evictQuietest = () => {
    let quietest: Tracked | undefined;
    for (const t of open.values()) {
      const bytes = t.socket.bytesRead;
      if (bytes !== t.lastBytes) {
        t.lastBytes = bytes;
        t.lastActive = Date.now();
      }
      if (!quietest || t.lastActive < quietest.lastActive) quietest = t;
    }
    if (quietest) {
      open.delete(quietest.socket);
      quietest.socket.destroy();
    }
  };

  const server = createServer({ noDelay: true }, (socket) => {
    if (open.size >= limits.maxConnections) evictQuietest();
    open.set(socket, { socket, lastBytes: 0, lastActive: Date.now() });
    socket.once("close", () => open.delete(socket));
    // Errors (resets) are the HTTP/2 session's business once injected; never crash on one here.
    socket.on("error", () => undefined);
    inject(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    server,
    port: typeof address === "object" && address ? address.port : port,
    connections: () => open.size,
    close: (graceMs) =>
      new Promise<void>((resolve) => {
        clearInterval(sweep);
        const force = setTimeout(() => {
          for (const s of open.keys()) s.destroy();
        }, graceMs);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
