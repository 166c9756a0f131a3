// The gateway's HTTP limits on a real socket: header and body timeouts enforced on time, a body
// on a GET refused, and a client that aborts mid-body logged as such (info, rate-limited), not
// as a 500.
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openFixture, type Fixture } from "../test/gateway/registry-fixture.js";
import { startRegistryGateway } from "./mount.js";
import { GatewayMetrics } from "./ops/metrics.js";
import type { LogRecord } from "./ops/log.js";
import type { RunningGateway } from "./server.js";

let f: Fixture;
let gw: RunningGateway;
const lines: { level: string; msg: string; fields: LogRecord }[] = [];
const metrics = new GatewayMetrics({ processMetrics: false });

beforeAll(async () => {
  f = await openFixture();
  gw = await startRegistryGateway(f.registry, {
    address: "127.0.0.1:0",
    metrics,
    logger: (level, msg, fields = {}) => lines.push({ level, msg, fields }),
    limits: { headersTimeoutMs: 400, requestTimeoutMs: 800 },
  });
});
afterAll(async () => {
  await gw.close();
  await f.close();
});

function open(): Promise<Socket> {
  const s = connect(gw.port, "127.0.0.1");
  return new Promise((res, rej) => s.once("connect", () => res(s)).once("error", rej));
}

/** What the server sends until it closes, and how long after `from` it closed. */
function untilClosed(s: Socket, from: number): Promise<{ text: string; ms: number }> {
  let text = "";
  s.setEncoding("utf8").on("data", (d: string) => (text += d));
  return new Promise((res) => s.once("close", () => res({ text, ms: performance.now() - from })));
}

async function exchange(raw: string): Promise<string> {
  const s = await open();
  const done = untilClosed(s, performance.now());
  s.write(raw);
  setTimeout(() => s.end(), 300);
  return (await done).text;
}

describe("HTTP timeouts are enforced on time", () => {
  it("headers that never finish: 408 and closed within the headers timeout plus its check interval", async () => {
    const s = await open();
    const t = performance.now();
    const closed = untilClosed(s, t);
    s.write("GET /checkpoint HTTP/1.1\r\nHost: x\r\nX-Slow: ");
    const { text, ms } = await closed;
    expect(text).toMatch(/^HTTP\/1\.1 408/);
    expect(ms).toBeGreaterThanOrEqual(350);
    expect(ms).toBeLessThan(1500);
  });

  it("a body that never finishes: closed within the request timeout plus its check interval", async () => {
    const s = await open();
    const t = performance.now();
    const closed = untilClosed(s, t);
    s.write(
      'POST /api/v1/labels:verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"labelIds":',
    );
    const { ms } = await closed;
    expect(ms).toBeGreaterThanOrEqual(700);
    expect(ms).toBeLessThan(2000);
  });
});

describe("bodies", () => {
  it("a GET with a body is refused with 400, with Content-Length or chunked", async () => {
    expect(await exchange("GET /checkpoint HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")).toMatch(
      /^HTTP\/1\.1 400 [\s\S]*a GET request takes no body/,
    );
    expect(
      await exchange(
        "GET /checkpoint HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
      ),
    ).toMatch(/^HTTP\/1\.1 400/);
    // No body (or an empty one) is fine.
    expect(await exchange("GET /checkpoint HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")).toMatch(
      /^HTTP\/1\.1 200/,
    );
  });

  it("clients aborting mid-body are logged at info, rate-limited, never as a 500", async () => {
    // A gateway of its own: the timeouts above already count as aborted requests in the other.
    lines.length = 0;
    const own = await startRegistryGateway(f.registry, {
      address: "127.0.0.1:0",
      metrics,
      logger: (level, msg, fields = {}) => lines.push({ level, msg, fields }),
    });
    for (let i = 0; i < 20; i++) {
      const s = connect(own.port, "127.0.0.1");
      await new Promise((r) => s.once("connect", r));
      const closed = untilClosed(s, performance.now());
      s.write(
        'POST /api/v1/labels:verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"labelIds":[',
      );
      await new Promise((r) => setTimeout(r, 20));
      s.destroy();
      await closed;
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(lines.filter((l) => l.level !== "info")).toEqual([]);
    const aborts = lines.filter((l) => l.msg === "client aborted the request");
    expect(aborts.length).toBeGreaterThanOrEqual(1);
    expect(aborts.length).toBeLessThanOrEqual(2);
    expect(aborts[0]!.fields).toMatchObject({ method: "POST", path: "/api/v1/labels:verify" });
    const m = (await metrics.render()).body.toString();
    expect(m).not.toMatch(/status="500"/);
    await own.close();
  });
});
