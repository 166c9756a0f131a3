// A flood of idle connections must not starve the registry: a child registry limited to 1024
// file descriptors gets thousands of idle TCP connections (some silent, some that speak the
// HTTP/2 preface and then nothing) on its gRPC port, plain and TLS; a new gRPC client and the
// HTTP gateway of the same process are still served. Before the connection cap, the idle
// sockets took every descriptor and both failed.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:https";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { afterAll, describe, expect, it } from "vitest";
import { startRegistryChild, type RegistryChild } from "../../test/registry-child.js";

const dir = mkdtempSync(join(tmpdir(), "labelreg-flood-"));
const children: RegistryChild[] = [];
const sockets: Socket[] = [];
afterAll(async () => {
  for (const s of sockets) s.destroy();
  for (const c of children) await c.kill();
  rmSync(dir, { recursive: true, force: true });
});

const FLOOD = 3000;
const CAP = 300;
/** The HTTP/2 client preface and an empty SETTINGS frame: a client that connects and then idles. */
const PREFACE = Buffer.concat([
  Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
  Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]),
]);

let tlsMade: { cert: string; key: string } | undefined;
function tlsFiles(): { cert: string; key: string } {
  if (tlsMade) return tlsMade;
  const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
  ssl(
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    "server.key",
    "-out",
    "server.pem",
    "-days",
    "2",
    "-subj",
    "/CN=localhost",
    "-addext",
    "subjectAltName=DNS:localhost,IP:127.0.0.1",
  );
  return (tlsMade = { cert: join(dir, "server.pem"), key: join(dir, "server.key") });
}

/** Opens `n` idle connections (every other one says the HTTP/2 preface); resolves once each connected or failed. */
async function flood(address: string, n: number): Promise<number> {
  const [host, port] = [
    address.slice(0, address.lastIndexOf(":")),
    Number(address.slice(address.lastIndexOf(":") + 1)),
  ];
  let connected = 0;
  const opened: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const s = connect(port, host);
    sockets.push(s);
    // Reading (and dropping) what the server sends lets the socket see the server close it.
    s.on("error", () => undefined).resume();
    opened.push(
      new Promise<void>((res) => {
        s.once("connect", () => {
          connected++;
          if (i % 2 === 0) s.write(PREFACE);
          res();
        });
        s.once("close", () => res());
      }),
    );
    if (i % 200 === 199) await new Promise((r) => setTimeout(r, 10));
  }
  await Promise.all(opened);
  return connected;
}

function healthCheck(address: string, credentials: grpc.ChannelCredentials): Promise<number> {
  const started = performance.now();
  const client = new grpc.Client(address, credentials);
  return new Promise<number>((res, rej) =>
    client.makeUnaryRequest(
      "/grpc.health.v1.Health/Check",
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.alloc(0),
      new grpc.Metadata(),
      { deadline: Date.now() + 10_000 },
      (err) => (err ? rej(err) : res(performance.now() - started)),
    ),
  ).finally(() => client.close());
}

function httpsHealthz(url: string, ca: Buffer): Promise<number> {
  return new Promise((res, rej) => {
    const req = request(`${url}/healthz`, { ca, timeout: 10_000 }, (r) => {
      r.resume();
      r.on("end", () => res(r.statusCode ?? 0));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", rej);
    req.end();
  });
}

describe("a flood of idle gRPC connections", () => {
  for (const mode of ["plain", "tls"] as const) {
    it(`${mode}: ${FLOOD} idle connections to a process with 1024 descriptors leave a new gRPC client and the HTTP gateway served`, async () => {
      const tls = mode === "tls" ? tlsFiles() : undefined;
      const child = await startRegistryChild({
        dataDir: join(dir, mode),
        maxOpenFiles: 1024,
        args: [
          "--http",
          "127.0.0.1:0",
          "--grpc-max-connections",
          String(CAP),
          ...(tls ? ["--tls-cert", tls.cert, "--tls-key", tls.key] : []),
        ],
      });
      children.push(child);
      const connected = await flood(child.address, FLOOD);
      expect(connected).toBeGreaterThan(CAP);
      const credentials = tls ? grpc.credentials.createSsl(readFileSync(tls.cert)) : grpc.credentials.createInsecure();
      const ms = await healthCheck(child.address, credentials);
      const status = tls
        ? await httpsHealthz(child.httpUrl!, readFileSync(tls.cert))
        : (await fetch(`${child.httpUrl}/healthz`)).status;
      expect(status).toBe(200);
      console.log(
        `${mode}: ${connected} idle connections made; a new gRPC call answered in ${ms.toFixed(0)} ms; /healthz ${status}`,
      );
      // The server holds at most the cap of them: count its descriptors (a client's own view is
      // no guide: past the accept queue, the kernel completes handshakes it then drops).
      const fds = readdirSync(`/proc/${child.child.pid}/fd`).length;
      console.log(`${mode}: the registry holds ${fds} file descriptors`);
      expect(fds).toBeLessThan(CAP + 100);
      for (const s of sockets.splice(0)) s.destroy();
    });
  }

  it("idle connections are closed after --grpc-idle-ms; on TLS, a silent one after --grpc-first-byte-timeout-ms", async () => {
    const limits = ["--grpc-idle-ms", "500", "--grpc-first-byte-timeout-ms", "1000"];
    const tls = tlsFiles();
    const [plain, secure] = await Promise.all([
      startRegistryChild({ dataDir: join(dir, "idle-plain"), args: limits }),
      startRegistryChild({
        dataDir: join(dir, "idle-tls"),
        args: [...limits, "--tls-cert", tls.cert, "--tls-key", tls.key],
      }),
    ]);
    children.push(plain, secure);
    const port = (c: RegistryChild) => Number(c.address.split(":").at(-1));
    const closedAfter = (s: Socket) => {
      const t = performance.now();
      s.on("error", () => undefined).resume();
      return new Promise<number>((res) => s.once("close", () => res(performance.now() - t)));
    };
    const speaking = connect(port(plain), "127.0.0.1", () => speaking.write(PREFACE));
    const [a, b, c] = await Promise.all([
      closedAfter(speaking),
      closedAfter(connect(port(plain), "127.0.0.1")),
      closedAfter(connect(port(secure), "127.0.0.1")),
    ]);
    // Plain HTTP/2 sessions start at connect, so grpc-js's idle limit closes both plain ones.
    expect(a).toBeLessThan(3000);
    expect(b).toBeLessThan(3000);
    // A TLS session starts after a handshake that never comes: the first-byte limit closes it.
    expect(c).toBeGreaterThanOrEqual(900);
    expect(c).toBeLessThan(4000);
  });
});
