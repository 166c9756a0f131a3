// A registry server in a child process, for crash tests and benchmarks: the built `labelreg serve`
// (dist/, what production runs), with its own event loop (and core), killable with SIGKILL like a
// real crash.
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { readSignerKeyFile } from "../services/config/key-files.js";
import { parseVerifierKey, type Ed25519NoteSigner } from "../log/note-keys.js";
import { builtCli } from "./built.js";
import { repoRoot } from "./testdata.js";

export interface RegistryChild {
  readonly child: ChildProcess;
  /** host:port of the gRPC server. */
  readonly address: string;
  /** The HTTP gateway's base URL, when the child serves one (`--http 127.0.0.1:0` in args). */
  readonly httpUrl?: string;
  readonly logVerifierKey: string;
  /** The log's origin (its verifier key's name): what statements for it name as log_origin. */
  readonly origin: string;
  /** The development authority key the server created in the data directory. */
  readonly authority: Ed25519NoteSigner;
  /** Tree size the server reported at start-up. */
  readonly treeSize: number;
  /** Resolves with the exit code or signal once the process has exited. */
  readonly exited: Promise<string>;
  /** SIGKILL, resolved once the process is gone. */
  kill(): Promise<string>;
  /** SIGTERM (graceful), resolved once the process is gone. */
  stop(): Promise<string>;
  /** What the server wrote to stderr (for failure messages). */
  stderr(): string;
  /** What the server wrote to stdout (its log lines), the most recent part. */
  stdout(): string;
}

export interface RegistryChildOptions {
  readonly dataDir: string;
  /** Extra `serve` options, e.g. ["--batch-linger-ms", "2"]. */
  readonly args?: readonly string[];
  /** Extra node options, e.g. ["--cpu-prof", "--cpu-prof-dir=/tmp/prof"]. */
  readonly nodeArgs?: readonly string[];
  /** Give up waiting for the start-up line after this long. Default 30 s. */
  readonly startTimeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
  /** Run the child with this limit on open file descriptors (ulimit -n), as a small server might. */
  readonly maxOpenFiles?: number;
}

/**
 * Starts `labelreg serve --data DIR --grpc 127.0.0.1:0 --http off` (no gateway: a free port each
 * time, nothing else listening) and waits for its start-up JSON line.
 */
export async function startRegistryChild(opts: RegistryChildOptions): Promise<RegistryChild> {
  const limited =
    opts.maxOpenFiles === undefined ? [] : ["-c", `ulimit -n ${opts.maxOpenFiles} && exec "$0" "$@"`, process.execPath];
  const child = spawn(
    limited.length > 0 ? "sh" : process.execPath,
    [
      ...limited,
      // As `npm start` and the labelreg bin run it (bin/labelreg.mjs says why).
      "--max-semi-space-size=64",
      ...(opts.nodeArgs ?? []),
      builtCli,
      "serve",
      "--data",
      opts.dataDir,
      "--grpc",
      "127.0.0.1:0",
      "--http",
      "off",
      "--log-format",
      "json",
      ...(opts.args ?? []),
    ],
    { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"], env: opts.env ?? process.env },
  );
  let err = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => {
    err = (err + d).slice(-20_000);
  });
  const exited = new Promise<string>((res) => child.once("exit", (code, signal) => res(signal ?? `exit ${code}`)));
  let stdout = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => {
    stdout = (stdout + d).slice(-100_000);
  });
  const info = await new Promise<{ grpc: string; http?: string; logVerifierKey: string; treeSize: number }>(
    (res, rej) => {
      let out = "";
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        rej(new Error(`registry child did not start within ${opts.startTimeoutMs ?? 30_000} ms: ${err}`));
      }, opts.startTimeoutMs ?? 30_000);
      child.stdout!.on("data", (d: string) => {
        out += d;
        for (const line of out.split("\n")) {
          if (!line.startsWith("{")) continue;
          const j = JSON.parse(line) as {
            msg?: string;
            grpc: string;
            http?: string;
            logVerifierKey: string;
            treeSize: number;
          };
          if (j.msg === "labelreg serving") {
            clearTimeout(timer);
            res(j);
          }
        }
      });
      void exited.then((how) => {
        clearTimeout(timer);
        rej(new Error(`registry child exited (${how}) before serving: ${err}`));
      });
    },
  );
  child.stdout!.resume();
  const signalAndWait = (sig: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    return exited;
  };
  return {
    child,
    address: info.grpc,
    ...(info.http ? { httpUrl: info.http } : {}),
    logVerifierKey: info.logVerifierKey,
    origin: parseVerifierKey(info.logVerifierKey).name,
    treeSize: info.treeSize,
    authority: readSignerKeyFile(join(opts.dataDir, "authority.key")),
    exited,
    kill: () => signalAndWait("SIGKILL"),
    stop: () => signalAndWait("SIGTERM"),
    stderr: () => err,
    stdout: () => stdout,
  };
}
