// Test and benchmark support: the C2SP tlog-tiles read path served straight from a LogStore, with
// no cache and no checks, like a plain static file server over the store's files. Whatever the
// store holds (tampered or not) is what auditors get.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { encodeBundle } from "../../log/bundle.js";
import { TILE_WIDTH, parseTlogPath } from "../../log/tile.js";
import type { LogStore } from "../store/port.js";

export interface StaticTlog {
  readonly server: Server;
  /** The base URL (before /checkpoint). */
  readonly url: string;
  /** Serve this checkpoint note instead of the store's (a fork, a stale view). */
  checkpointOverride: Uint8Array | undefined;
  close(): Promise<void>;
}

export async function serveStaticTlog(store: LogStore): Promise<StaticTlog> {
  const self: { checkpointOverride: Uint8Array | undefined } = { checkpointOverride: undefined };
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").slice(1);
    const send = (status: number, body: Uint8Array | string, type = "application/octet-stream") => {
      res.writeHead(status, { "content-type": type });
      res.end(body);
    };
    (async () => {
      if (path === "checkpoint") {
        const c = self.checkpointOverride ?? (await store.latestCheckpoint())?.note;
        return c ? send(200, c, "text/plain; charset=utf-8") : send(404, "no checkpoint\n");
      }
      let p;
      try {
        p = parseTlogPath(path);
      } catch {
        return send(400, "bad path\n");
      }
      if (p.kind === "tile") {
        const t = await store.readTile(p.tile.level, p.tile.index);
        if (!t || t.width < p.tile.width) return send(404, "no tile\n");
        return send(200, t.data.subarray(0, p.tile.width * 32));
      }
      const first = p.bundle.index * TILE_WIDTH;
      const size = (await store.latestCheckpoint())?.size ?? 0;
      if (first + p.bundle.width > size) return send(404, "no bundle\n");
      return send(200, encodeBundle(await store.readEntries(first, first + p.bundle.width)));
    })().catch(() => send(500, "error\n"));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(self, {
    server,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  });
}
