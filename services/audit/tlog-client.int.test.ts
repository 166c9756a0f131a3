import { createServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { httpTlogSource, TlogFetchError } from "./tlog-client.js";

const closers: (() => void)[] = [];
afterEach(() => closers.splice(0).forEach((c) => c()));

/**
 * A keep-alive HTTP server that answers `/checkpoint` with "ok", and drops a connection without
 * answering on its request number `dropAt` (1-based per connection): what a client sees when a
 * server closes an idle keep-alive connection just as a request is sent on it.
 */
async function server(
  dropAt: (connection: number, request: number) => boolean,
): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  const sockets: Socket[] = [];
  const s = createServer((sock) => {
    const conn = ++connections;
    sockets.push(sock);
    let requests = 0;
    let buf = "";
    sock.on("data", (d) => {
      buf += d.toString("latin1");
      while (buf.includes("\r\n\r\n")) {
        buf = buf.slice(buf.indexOf("\r\n\r\n") + 4);
        requests++;
        if (dropAt(conn, requests)) return sock.destroy();
        sock.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok");
      }
    });
  });
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  closers.push(() => {
    sockets.forEach((x) => x.destroy());
    s.close();
  });
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, connections: () => connections };
}

describe("httpTlogSource", () => {
  it("sends a request again on a fresh connection when a reused keep-alive connection was dropped", async () => {
    const srv = await server((conn, req) => conn === 1 && req === 2);
    const src = httpTlogSource(srv.url, { maxSockets: 1 });
    expect(new TextDecoder().decode(await src.checkpoint())).toBe("ok");
    expect(new TextDecoder().decode(await src.checkpoint())).toBe("ok");
    expect(srv.connections()).toBe(2);
  });

  it("does not retry a request that failed on a fresh connection, nor twice", async () => {
    const fresh = await server(() => true);
    await expect(httpTlogSource(fresh.url).checkpoint()).rejects.toBeInstanceOf(TlogFetchError);
    expect(fresh.connections()).toBe(1);
    // The retry's fresh connection answers its first request, so make that one fail too.
    const flaky = await server((conn, req) => req >= 2 || conn >= 2);
    const src2 = httpTlogSource(flaky.url, { maxSockets: 1 });
    await src2.checkpoint();
    await expect(src2.checkpoint()).rejects.toBeInstanceOf(TlogFetchError);
    expect(flaky.connections()).toBe(2);
  });
});
