// npm run bench:gateway: requests per second and p99 latency on loopback for a full tile, the
// checkpoint and the consumer page, served by the gateway inside a real registry; beside a bare
// node:http server answering the same tile bytes from memory (target: the gateway reaches at
// least 80% of its rate), and nginx serving the same files when nginx is installed (context).
// autocannon drives the load from this process; the servers run in a child process.
//
//   npm run bench:gateway -- [--seconds 5] [--connections 32] [--rounds 3]
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const SECONDS = arg("seconds", 5);
const CONNECTIONS = arg("connections", 32);
const ROUNDS = arg("rounds", 3);

interface Result {
  readonly name: string;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  readonly non2xx: number;
}

async function load(name: string, url: string, headers: Record<string, string> = {}): Promise<Result> {
  await autocannon({ url, connections: CONNECTIONS, duration: 1, headers }); // warm-up (caches, JIT)
  const r = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, headers });
  return {
    name,
    rps: Math.round(r.requests.average),
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors,
    non2xx: r.non2xx,
  };
}

function startTarget(
  dir: string,
): Promise<{ child: ChildProcess; info: { gateway: string; bare: string; labelId: string; treeSize: number } }> {
  const child = spawn(process.execPath, [fileURLToPath(new URL("./gateway-target.js", import.meta.url)), dir], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`bench target exited with ${code}`)));
    createInterface({ input: child.stdout! }).once("line", (line) => resolve({ child, info: JSON.parse(line) }));
  });
}

/** nginx serving `dir` on a free-ish port, or undefined when nginx is not installed. */
function startNginx(dir: string): { url: string; stop: () => void } | undefined {
  const bin = ["/usr/sbin/nginx", "/usr/bin/nginx"].find((p) => spawnSync(p, ["-v"]).status === 0);
  if (!bin) return undefined;
  const port = 20000 + Math.floor(Math.random() * 20000);
  const conf = join(dir, "nginx.conf");
  writeFileSync(
    conf,
    `worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/error.log; daemon on;
events { worker_connections 1024; }
http { access_log off; sendfile on; tcp_nopush on; keepalive_requests 100000;
  client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  server { listen 127.0.0.1:${port}; root ${dir};
    location /tile/ { default_type application/octet-stream; add_header Cache-Control "public, max-age=31536000, immutable"; }
    location = /checkpoint { default_type "text/plain; charset=utf-8"; add_header Cache-Control "public, max-age=2"; } } }
`,
  );
  const r = spawnSync(bin, ["-c", conf, "-p", dir]);
  if (r.status !== 0) {
    process.stderr.write(`nginx did not start: ${r.stderr}\n`);
    return undefined;
  }
  return { url: `http://127.0.0.1:${port}`, stop: () => spawnSync(bin, ["-c", conf, "-p", dir, "-s", "stop"]) };
}

const dir = mkdtempSync(join(tmpdir(), "labelreg-gateway-bench-"));
const { child, info } = await startTarget(dir);
const nginx = startNginx(dir);
try {
  const results: Result[] = [];
  // Alternate bare and gateway over several rounds so drift (other load on the machine) hits
  // both alike; the ratio is of the medians.
  const bareRuns: Result[] = [];
  const gwRuns: Result[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    bareRuns.push(await load(`tile 0/000 (bare node:http) #${round}`, `${info.bare}/tile/0/000`));
    gwRuns.push(await load(`tile 0/000 (gateway) #${round}`, `${info.gateway}/tile/0/000`));
  }
  results.push(...bareRuns, ...gwRuns);
  results.push(await load("checkpoint (gateway)", `${info.gateway}/checkpoint`));
  results.push(
    await load("label page zh-CN (gateway)", `${info.gateway}/l/${info.labelId}`, {
      "accept-language": "zh-CN,zh;q=0.9",
    }),
  );
  results.push(await load("label bundle JSON (gateway)", `${info.gateway}/api/v1/labels/${info.labelId}`));
  if (nginx) {
    results.push(await load("tile 0/000 (nginx, 1 worker)", `${nginx.url}/tile/0/000`));
    results.push(await load("checkpoint (nginx, 1 worker)", `${nginx.url}/checkpoint`));
  }
  console.log(
    `gateway bench: ${CONNECTIONS} connections, ${SECONDS}s each, loopback, log size ${info.treeSize}, node ${process.version}`,
  );
  for (const r of results) {
    console.log(
      `${r.name.padEnd(38)} ${String(r.rps).padStart(7)} req/s  p50 ${String(r.p50).padStart(3)} ms  p99 ${String(r.p99).padStart(3)} ms${r.errors || r.non2xx ? `  errors ${r.errors} non-2xx ${r.non2xx}` : ""}`,
    );
  }
  const median = (rs: Result[]) => [...rs].map((r) => r.rps).sort((a, b) => a - b)[Math.floor(rs.length / 2)]!;
  const bare = median(bareRuns);
  const gw = median(gwRuns);
  console.log(
    `full tiles (medians of ${ROUNDS}): gateway ${gw} req/s = ${((100 * gw) / bare).toFixed(0)}% of bare node:http (${bare} req/s); target >= 80%`,
  );
  if (!nginx) console.log("nginx: not installed, no context figure");
  console.log(
    JSON.stringify({ bench: "gateway", connections: CONNECTIONS, seconds: SECONDS, results, tileRatio: gw / bare }),
  );
} finally {
  nginx?.stop();
  child.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
}
