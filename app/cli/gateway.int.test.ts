// `labelreg gateway` as an operator runs it (a child process) against a registry on loopback:
// with the log and authority keys it serves label pages (pinning the witness keys given) and the
// JSON API from the registry's gRPC address; a malformed witness key stops it at start.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cosigner } from "../../log/cosignature.js";
import { formatVerifierKey, SIG_TYPE_ED25519 } from "../../log/note-keys.js";
import { authority, seedLabels } from "../../test/gateway/registry-fixture.js";
import { builtVerifierBundle, labelregBin as bin } from "../../test/built.js";
import { startRegistry, type RunningRegistry } from "../server.js";

const authorityKey = formatVerifierKey("authority", SIG_TYPE_ED25519, authority.publicKey);
const witnessKey = cosigner("witness.test/cli", new Uint8Array(32).fill(63)).verifierKey;
let dir: string;
let reg: RunningRegistry;
let child: ChildProcess | undefined;
let url: string;

const args = (extra: string[]) => [
  bin,
  "gateway",
  "--registry",
  reg.grpc.address,
  "--http",
  "127.0.0.1:0",
  "--log-key",
  reg.logVerifierKey,
  "--authority-key",
  authorityKey,
  ...extra,
];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "labelreg-cli-gateway-"));
  reg = await startRegistry({
    dataDir: dir,
    grpcAddress: "127.0.0.1:0",
    origin: "test.example/cli-gw",
    authorityKey,
    batch: { lingerMs: 1 },
    http: { address: "127.0.0.1:0" },
  });
  await seedLabels(reg.registry, BigInt(Math.floor(Date.now() / 1000)));
  const c = spawn(process.execPath, args(["--witness-key", witnessKey, "--witness-required", "1"]), {
    stdio: ["ignore", "pipe", "pipe"],
  });
  child = c;
  url = await new Promise<string>((res, rej) => {
    let out = "";
    const timer = setTimeout(() => rej(new Error(`gateway did not start: ${out}`)), 20_000);
    c.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /"http":"(http:\/\/[^"]+)"/.exec(out);
      if (m) {
        clearTimeout(timer);
        res(m[1]!);
      }
    });
    c.once("exit", (code) => rej(new Error(`gateway exited ${code}: ${out}`)));
  });
}, 30_000);

afterAll(async () => {
  if (child?.pid && child.exitCode === null) {
    const c = child;
    await new Promise((res) => {
      c.once("exit", res);
      c.kill("SIGTERM");
    });
  }
  await reg?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("labelreg gateway", () => {
  it("serves label pages pinning the witness key, and the registry's JSON answers", async () => {
    const page = await fetch(`${url}/l/CCRC-1?lang=en`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("EV-C200");
    expect(html).toContain(witnessKey);
    // The built gateway serves the verifier bundled at build time (production has no esbuild).
    const script = /<script type="module" src="(\/assets\/verifier-[0-9a-f]{12}\.js)">/.exec(html)?.[1];
    expect(script, "the page loads the in-browser verifier").toBeDefined();
    const js = await fetch(`${url}${script}`);
    expect(js.status).toBe(200);
    expect(Buffer.from(await js.arrayBuffer()).equals(readFileSync(builtVerifierBundle))).toBe(true);
    const [a, b] = await Promise.all([
      fetch(`${url}/api/v1/labels/CCRC-2`),
      fetch(`${reg.http!.url}/api/v1/labels/CCRC-2`),
    ]);
    expect(a.status).toBe(200);
    expect(await a.json()).toEqual(await b.json());
    expect((await fetch(`${url}/l/CCRC-404`)).status).toBe(404);
  });

  it("refuses to start with a malformed witness key", async () => {
    const r = await new Promise<{ code: number; stderr: string }>((res) =>
      execFile(process.execPath, args(["--witness-key", "not-a-key"]), { timeout: 20_000 }, (err, _out, stderr) =>
        res({ code: err ? Number(err.code) : 0, stderr }),
      ),
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/key/i);
  });
});
