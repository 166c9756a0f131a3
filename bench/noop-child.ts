// Starts bench/noop-server.ts (the bare-transport baseline) in a child process, for the benchmarks
// that compare a registry method with a gRPC method doing no work. Its own module so that the
// benchmarks can name the no-op's paths without importing noop-server.ts, which starts a server.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { repoRoot } from "../test/testdata.js";

export const NOOP_UNARY_PATH = "/bench.Noop/Unary";
export const NOOP_BULK_PATH = "/bench.Noop/Bulk";

export interface NoopServer {
  /** host:port */
  readonly address: string;
  readonly pid: number;
  kill(): void;
}

/**
 * A no-op server answering every unary call with the bytes of `unaryReplyFile`, and every bulk
 * request with those of `bulkReplyFile` behind the request's sequence field.
 */
export async function startNoopServer(unaryReplyFile: string, bulkReplyFile: string): Promise<NoopServer> {
  const child = spawn(
    process.execPath,
    [fileURLToPath(new URL("./noop-server.js", import.meta.url)), unaryReplyFile, bulkReplyFile],
    { cwd: repoRoot, stdio: ["ignore", "pipe", "inherit"] },
  );
  const kill = () => void child.kill("SIGKILL");
  try {
    const port = await new Promise<number>((res, rej) => {
      child.once("exit", (code) => rej(new Error(`the no-op server exited (${code}) before listening`)));
      child.stdout.setEncoding("utf8").once("data", (d: string) => res((JSON.parse(d) as { port: number }).port));
    });
    return { address: `127.0.0.1:${port}`, pid: child.pid!, kill };
  } catch (e) {
    kill();
    throw e;
  }
}
