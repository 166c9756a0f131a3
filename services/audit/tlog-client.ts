// Reading a log through the public C2SP tlog-tiles HTTP read path (`<base>/checkpoint`,
// `<base>/tile/<L>/<N>[.p/<W>]`, `<base>/tile/entries/<N>[.p/<W>]`), the way any mirror or CDN
// serves it. Nothing read here is trusted: the auditor verifies every byte against a checkpoint
// signed by the log's key.
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

/** A TlogSource over HTTP(S) at `baseUrl` (the prefix before /checkpoint). */
export function httpTlogSource(baseUrl: string, opts: { timeoutMs?: number } = {}): TlogSource {
  const base = baseUrl.replace(/\/+$/, "");
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const get = async (path: string): Promise<Uint8Array> => {
    let res: Response;
    try {
      res = await fetch(`${base}/${path}`, { signal: AbortSignal.timeout(timeoutMs) });
    } catch (e) {
      throw new TlogFetchError(path, undefined, e instanceof Error ? e.message : String(e));
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new TlogFetchError(path, res.status, `HTTP ${res.status}`);
    }
    const declared = Number(res.headers.get("content-length"));
    if (Number.isFinite(declared) && declared > MAX_RESPONSE_BYTES) {
      await res.body?.cancel();
      throw new TlogFetchError(path, res.status, `response of ${declared} bytes is too large`);
    }
    const buf = new Uint8Array(await res.arrayBuffer());
    if (buf.length > MAX_RESPONSE_BYTES) throw new TlogFetchError(path, res.status, "response too large");
    return buf;
  };
  return {
    checkpoint: () => get("checkpoint"),
    tile: (level, index, width) => get(tilePath({ level, index, width })),
    bundle: (index, width) => get(bundlePath({ index, width })),
  };
}
