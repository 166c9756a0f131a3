// Listening: the gateway's handler on a node:http server, or node:https with certificate files.

import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { TlsFiles } from "../services/grpc/server.js";
import { Gateway, type GatewayOptions } from "./gateway.js";
import { DEFAULT_LIMITS, type GatewayLimits } from "./http/limits.js";

export const DEFAULT_HTTP_ADDRESS = "127.0.0.1:8080";

export interface GatewayServerOptions extends Omit<GatewayOptions, "publicBaseUrl"> {
  /** What QR codes and canonical links hold; default the bound address, http(s)://host:port. */
  readonly publicBaseUrl?: string;
  /** host:port to listen on; port 0 picks a free one. `[::1]:8080` for IPv6. */
  readonly address: string;
  /** Serve HTTPS with these PEM files (client certificates are not asked for on the public read path). */
  readonly tls?: Pick<TlsFiles, "certFile" | "keyFile">;
}

export interface RunningGateway {
  readonly gateway: Gateway;
  readonly server: Server;
  readonly port: number;
  /** The base URL the server listens on, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  close(): Promise<void>;
}

/** Splits `host:port` (or `[v6]:port`). Throws RangeError for anything else. */
export function parseListenAddress(address: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):([0-9]{1,5})$/.exec(address);
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw new RangeError(`gateway: listen address ${JSON.stringify(address)} is not host:port`);
  return { host: m[1] ?? m[2] ?? "", port };
}

/** Whether only this machine can reach `host` (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * The start-up warning for a gateway that others can reach but whose QR codes and links name its
 * listen address (no --public-url): a phone scanning a printed label cannot follow them.
 */
export function publicUrlWarning(address: string, publicBaseUrl: string | undefined): string | undefined {
  if (publicBaseUrl !== undefined) return undefined;
  const { host } = parseListenAddress(address);
  if (isLoopbackHost(host)) return undefined;
  return `no --public-url: QR codes and printed labels will point at the listen address ${address}, which phones cannot use; pass --public-url https://<the name people reach this gateway by>`;
}

export async function startGateway(opts: GatewayServerOptions): Promise<RunningGateway> {
  const { host, port } = parseListenAddress(opts.address);
  const l = { ...DEFAULT_LIMITS, ...opts.limits };
  const common = {
    maxHeaderSize: l.maxHeaderBytes,
    requestTimeout: l.requestTimeoutMs,
    headersTimeout: l.headersTimeoutMs,
    keepAliveTimeout: l.keepAliveTimeoutMs,
    // Node checks those timeouts only this often (30 s by default, which let them run 2-3 times
    // over): a tenth of the shorter one, within 50 ms .. 1 s.
    connectionsCheckingInterval: connectionsCheckingInterval(l),
  };
  const server: Server = opts.tls
    ? createHttpsServer({ ...common, cert: readFileSync(opts.tls.certFile), key: readFileSync(opts.tls.keyFile) })
    : createHttpServer(common);
  await new Promise<void>((resolve, reject) => {
    const failed = (e: NodeJS.ErrnoException) =>
      reject(
        e.code === "EADDRINUSE"
          ? new Error(
              `cannot listen for HTTP on ${opts.address}: the address is already in use (another registry or gateway running? --http chooses another address)`,
              { cause: e },
            )
          : e,
      );
    server.once("error", failed);
    server.listen(port, host, () => {
      server.off("error", failed);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  const url = `${opts.tls ? "https" : "http"}://${shownHost}:${actual}`;
  let gateway: Gateway;
  try {
    gateway = new Gateway({
      ...opts,
      publicBaseUrl: opts.publicBaseUrl ?? url,
      publicBaseUrlIsDefault: opts.publicBaseUrl === undefined,
    });
  } catch (e) {
    server.close();
    throw e;
  }
  server.on("request", gateway.handle);
  return {
    gateway,
    server,
    port: actual,
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 2000).unref();
      }),
  };
}

/** How often Node checks the header and request timeouts of open connections. */
export function connectionsCheckingInterval(l: Pick<GatewayLimits, "headersTimeoutMs" | "requestTimeoutMs">): number {
  return Math.min(1000, Math.max(50, Math.floor(Math.min(l.headersTimeoutMs, l.requestTimeoutMs) / 10)));
}
