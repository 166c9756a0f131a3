// Reading a log through the public C2SP tlog-tiles HTTP read path (`<base>/checkpoint`,
// `<base>/tile/<L>/<N>[.p/<W>]`, `<base>/tile/entries/<N>[.p/<W>]`), the way any mirror or CDN
// serves it. Nothing read here is trusted: the auditor verifies every byte against a checkpoint
// signed by the log's key.
import * as http from "node:http";
import * as https from "node:https";
import { bundlePath, tilePath, type TileFetcher } from "../../log/tile.js";

/** A read that failed: a network error, or an HTTP status other than 200. */
export class TlogFetchError extends Error {
  constructor(
    readonly path: string,
    readonly status: number | undefined,
    message: string,
  ) {
    super(`tlog-tiles: ${path}: ${message}`);
    this.name = "TlogFetchError";
  }
}

export interface TlogSource {
  /** The signed checkpoint note, as bytes. */
  checkpoint(): Promise<Uint8Array>;
  /** A hash tile at a width, for TileHashReader. */
  readonly tile: TileFetcher;
  /** An entry bundle at a width (1..256). */
  bundle(index: number, width: number): Promise<Uint8Array>;
}

/** Most bytes accepted for one response (a full bundle of 256 maximal entries is ~16 MiB). */
const MAX_RESPONSE_BYTES = 17 * 1024 * 1024;

/**
 * A TlogSource over HTTP(S) at `baseUrl` (the prefix before /checkpoint). Uses node:http(s) with a
 * keep-alive agent rather than fetch: an audit makes two requests per 256 entries, and fetch's
 * web streams cost several times more per request.
 */
export function httpTlogSource(baseUrl: string, opts: { timeoutMs?: number; maxSockets?: number } = {}): TlogSource {
  const base = new URL(baseUrl.endsWith("/") ? baseUrl : baseUrl + "/");
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const secure = base.protocol === "https:";
  if (!secure && base.protocol !== "http:") throw new RangeError(`tlog-tiles: ${baseUrl} is not an http(s) URL`);
  const agent = secure
    ? new https.Agent({ keepAlive: true, maxSockets: opts.maxSockets ?? 16 })
    : new http.Agent({ keepAlive: true, maxSockets: opts.maxSockets ?? 16 });
  // A keep-alive socket the server closed while idle (servers time idle connections out after a
  // few seconds, and a busy auditor can leave one idle that long) fails the next request sent on
  // it with a reset; such a request never reached the server, and a GET is idempotent, so it is
  // sent once more on a fresh connection. Any other failure is the caller's.
  const get = (path: string, retried = false): Promise<Uint8Array> =>
    new Promise((resolve, reject) => {
      let reused = false;
      const fail = (status: number | undefined, message: string) => reject(new TlogFetchError(path, status, message));
      const req = (secure ? https : http).get(new URL(path, base), { agent, timeout: timeoutMs }, (res) => {
        const status = res.statusCode ?? 0;
        if (status !== 200) {
          res.resume();
          return fail(status, `HTTP ${status}`);
        }
        const chunks: Buffer[] = [];
        let total = 0;
        res.on("data", (c: Buffer) => {
          total += c.length;
          if (total > MAX_RESPONSE_BYTES) {
            req.destroy();
            fail(status, "response too large");
            return;
          }
          chunks.push(c);
        });
        res.on("end", () => {
          const b = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
          resolve(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
        });
        res.on("error", (e) => fail(status, e.message));
      });
      req.on("socket", () => (reused = req.reusedSocket));
      req.on("timeout", () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
      req.on("error", (e: NodeJS.ErrnoException) => {
        if (reused && !retried && (e.code === "ECONNRESET" || e.code === "EPIPE")) resolve(get(path, true));
        else fail(undefined, e.message);
      });
    });
  return {
    checkpoint: () => get("checkpoint"),
    tile: (level, index, width) => get(tilePath({ level, index, width })),
    bundle: (index, width) => get(bundlePath({ index, width })),
  };
}
