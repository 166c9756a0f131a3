// The witness over HTTP: `POST <prefix>/add-checkpoint` (C2SP tlog-witness v1), on node:http with
// keep-alive. Bodies over MAX_REQUEST_BYTES get 413 before they are read in full; other paths 404,
// other methods 405.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { MAX_REQUEST_BYTES } from "./request.js";
import type { Witness } from "./witness.js";

export interface RunningWitnessServer {
  readonly server: Server;
  /** http://host:port<prefix> : the submission prefix to configure in a log. */
  readonly url: string;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array | undefined> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) return resolve(undefined);
    const chunks: Buffer[] = [];
    let total = 0;
    req.on("data", (c: Buffer) => {
      total += c.length;
      if (total > limit) {
        req.removeAllListeners("data");
        req.resume();
        resolve(undefined);
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(new Uint8Array(Buffer.concat(chunks))));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, {
    "content-type": contentType,
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
  });
  res.end(body);
}

/** Serves `witness` at `<prefix>/add-checkpoint` on host:port (port 0 picks a free one). */
export async function startWitnessServer(
  witness: Witness,
  opts: { host?: string; port?: number; prefix?: string } = {},
): Promise<RunningWitnessServer> {
  const prefix = (opts.prefix ?? "").replace(/\/+$/, "");
  const path = `${prefix}/add-checkpoint`;
  const server = createServer((req, res) => {
    const url = (req.url ?? "").split("?")[0];
    if (url !== path) return send(res, 404, "text/plain; charset=utf-8", "not found\n");
    if (req.method !== "POST") {
      res.setHeader("allow", "POST");
      return send(res, 405, "text/plain; charset=utf-8", "add-checkpoint takes POST\n");
    }
    readBody(req, MAX_REQUEST_BYTES).then(
      (body) => {
        if (body === undefined)
          return send(res, 413, "text/plain; charset=utf-8", `body exceeds ${MAX_REQUEST_BYTES} bytes\n`);
        let a;
        try {
          a = witness.addCheckpoint(body);
        } catch (e) {
          console.error(
            JSON.stringify({
              level: "error",
              msg: "witness: internal error",
              error: e instanceof Error ? e.message : String(e),
            }),
          );
          return send(res, 500, "text/plain; charset=utf-8", "internal error\n");
        }
        send(res, a.status, a.contentType, a.body);
      },
      () => res.destroy(),
    );
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((res, rej) => {
    server.once("error", rej);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => res());
  });
  const a = server.address() as AddressInfo;
  const host = a.family === "IPv6" ? `[${a.address}]` : a.address;
  return {
    server,
    url: `http://${host}:${a.port}${prefix}`,
    close: () =>
      new Promise<void>((res) => {
        server.close(() => res());
        server.closeAllConnections();
      }),
  };
}
