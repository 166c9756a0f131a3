// A throwaway PostgreSQL cluster for tests, from Debian's `postgresql` package: initdb into a
// fresh temporary directory, listen on a free port on 127.0.0.1 only (trust auth there, plus a unix
// socket inside the directory), fsync on, and removed afterwards. initdb and the server refuse to
// run as root, so as root every cluster command runs as the `postgres` user the package creates,
// in a directory that user owns.
//
// How tests use it: each test file starts its own cluster with `usePostgres()` (beforeAll/afterAll;
// afterAll runs on failure too, and a process-exit hook stops anything left over). A cluster
// starts in about a second, and having one per file means a test may stop, kill and restart its
// server without disturbing other files running in parallel. Within a file, `createDatabase()`
// gives each store its own database; the PostgreSQL store also takes a schema name, so one
// database can hold many logs.
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, appendFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll } from "vitest";

const run = promisify(execFile);

export interface PostgresCluster {
  readonly host: "127.0.0.1";
  readonly port: number;
  /** The temporary directory holding the data directory, the unix socket and the server log. */
  readonly dir: string;
  /** Connection string for `database` as the superuser `postgres` (trust auth on loopback). */
  url(database?: string): string;
  /** Creates an empty database with a fresh name and returns its connection string. */
  createDatabase(prefix?: string): Promise<string>;
  /** A crash as the server sees it: `pg_ctl stop -m immediate`, no shutdown checkpoint. */
  kill(): Promise<void>;
  /** A clean shutdown (`-m fast`). */
  stop(): Promise<void>;
  /** Starts the server again on the same port and data; crash recovery replays the WAL. */
  start(): Promise<void>;
  /**
   * A server that stops answering without closing anything (SIGSTOP to the postmaster and every
   * backend): connections stay open and silent, as behind a dead network path. thaw() resumes it.
   */
  freeze(): void;
  thaw(): void;
  /** Whether the server is running, as pg_ctl status says. */
  running(): Promise<boolean>;
  /** The server log so far (for failure messages). */
  log(): string;
  /** Stops the server at once and removes the directory. Idempotent. */
  destroy(): Promise<void>;
}

/** The newest installed server version's bin directory, e.g. /usr/lib/postgresql/15/bin. */
export function findPostgresBin(root = "/usr/lib/postgresql"): string {
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+(\.\d+)?$/.test(v) && existsSync(join(root, v, "bin", "initdb")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const newest = versions[0];
  if (newest === undefined) {
    throw new Error(
      `test/postgres: no PostgreSQL server under ${root}/<version>/bin; ` +
        "install Debian's package: apt-get install -y --no-install-recommends postgresql",
    );
  }
  return join(root, newest, "bin");
}

/** The major version of the server in `bin`, from `postgres --version`. */
function majorVersion(bin: string): number {
  const out = execFileSync(join(bin, "postgres"), ["--version"], { encoding: "utf8" });
  const m = /\(PostgreSQL\) (\d+)/.exec(out);
  return m ? Number(m[1]) : 0;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Sends `signal` to the postmaster of `dataDir` and to all its children. */
function signalServer(dataDir: string, signal: NodeJS.Signals): void {
  const postmaster = Number(readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
  const children = readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        // Field 4 of /proc/PID/stat is the parent pid; the command name before it may hold spaces.
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === postmaster;
      } catch {
        return false; // exited meanwhile
      }
    })
    .map(Number);
  for (const pid of [postmaster, ...children]) {
    try {
      process.kill(pid, signal);
    } catch {
      // exited meanwhile
    }
  }
}

const live = new Set<() => void>();
let exitHookInstalled = false;

/** A process that dies without running afterAll still must not leave servers behind. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const cleanup of live) cleanup();
  });
}

export interface StartPostgresOptions {
  /** Override the bin directory (default: the newest under /usr/lib/postgresql). */
  bin?: string;
}

export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresCluster> {
  const bin = options.bin ?? findPostgresBin();
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), "labelreg-pg-"));
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    chownSync(dir, uid, gid);
  }
  const dataDir = join(dir, "data");
  const logFile = join(dir, "server.log");

  /** argv for a cluster binary, as the postgres user when we are root. */
  const argv = (tool: string, args: string[]): [string, string[]] =>
    asRoot ? ["runuser", ["-u", "postgres", "--", join(bin, tool), ...args]] : [join(bin, tool), args];
  const tool = async (name: string, args: string[]): Promise<void> => {
    const [file, fileArgs] = argv(name, args);
    // cwd: the postgres user may not be allowed into the caller's working directory.
    await run(file, fileArgs, { cwd: dir, env: { ...process.env, LC_ALL: "C" }, timeout: 60_000 });
  };
  const toolSync = (name: string, args: string[]): void => {
    const [file, fileArgs] = argv(name, args);
    spawnSync(file, fileArgs, { cwd: dir, stdio: "ignore", timeout: 30_000 });
  };

  let destroyed = false;
  // A frozen server ignores pg_ctl's stop signal until it is resumed.
  const thawQuietly = () => {
    try {
      signalServer(dataDir, "SIGCONT");
    } catch {
      // not running
    }
  };
  const cleanupSync = () => {
    thawQuietly();
    toolSync("pg_ctl", ["stop", "-D", dataDir, "-m", "immediate", "-w", "-t", "20"]);
    rmSync(dir, { recursive: true, force: true });
  };
  live.add(cleanupSync);
  installExitHook();

  // --no-sync: initdb's own files need no fsync for a throwaway cluster; the server still fsyncs.
  try {
    await tool("initdb", [
      "-D",
      dataDir,
      "-U",
      "postgres",
      "-A",
      "trust",
      "--no-sync",
      "--encoding=UTF8",
      "--locale=C",
      "--no-instructions",
    ]);
  } catch (err) {
    cleanupSync();
    live.delete(cleanupSync);
    throw new Error(`test/postgres: initdb failed in ${dir}`, { cause: err });
  }

  const readLog = () => (existsSync(logFile) ? readFileSync(logFile, "utf8") : "");
  const pgCtl = (args: string[]) => tool("pg_ctl", ["-D", dataDir, "-w", "-t", "30", ...args]);
  const startServer = async () => {
    try {
      await pgCtl(["-l", logFile, "start"]);
    } catch (err) {
      throw new Error(`test/postgres: server did not start:\n${readLog().slice(-2000)}`, { cause: err });
    }
  };

  let port = 0;
  // The free port may be taken between probing and binding; try a few.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    // Later lines in postgresql.conf win, so a retry just appends a new port.
    appendFileSync(
      join(dataDir, "postgresql.conf"),
      [
        "",
        "# test/postgres.ts",
        "listen_addresses = '127.0.0.1'",
        `port = ${port}`,
        `unix_socket_directories = '${dir}'`,
        "fsync = on",
        "synchronous_commit = on",
        "full_page_writes = on",
        "max_connections = 200",
        "shared_buffers = 32MB",
        "log_min_messages = warning",
        // After a crash the server fsyncs the whole data directory before recovery; one syncfs()
        // is as safe and much faster on a busy disk (PostgreSQL 14+).
        ...(majorVersion(bin) >= 14 ? ["recovery_init_sync_method = syncfs"] : []),
        "",
      ].join("\n"),
    );
    try {
      await startServer();
      break;
    } catch (err) {
      if (attempt >= 3 || !/could not bind|Address already in use/i.test(readLog())) {
        cleanupSync();
        live.delete(cleanupSync);
        throw err;
      }
    }
  }

  const url = (database = "postgres") => `postgresql://postgres@127.0.0.1:${port}/${database}`;
  let databases = 0;

  return {
    host: "127.0.0.1",
    port,
    dir,
    url,
    async createDatabase(prefix = "test") {
      const name = `${prefix.replace(/[^a-z0-9_]/gi, "_").toLowerCase()}_${++databases}`;
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name}"`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    kill: () => pgCtl(["stop", "-m", "immediate"]),
    stop: () => pgCtl(["stop", "-m", "fast"]),
    start: startServer,
    async running() {
      try {
        await tool("pg_ctl", ["-D", dataDir, "status"]);
        return true;
      } catch {
        return false;
      }
    },
    freeze: () => signalServer(dataDir, "SIGSTOP"),
    thaw: () => signalServer(dataDir, "SIGCONT"),
    log: readLog,
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      live.delete(cleanupSync);
      thawQuietly();
      try {
        await pgCtl(["stop", "-m", "immediate"]);
      } catch {
        // Already stopped (a test killed it); removing the directory is what matters.
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts a cluster before this file's tests and destroys it after them (also when they fail).
 * Returns a getter, valid inside tests and hooks.
 */
export function usePostgres(options?: StartPostgresOptions): () => PostgresCluster {
  let cluster: PostgresCluster | undefined;
  beforeAll(async () => {
    cluster = await startPostgres(options);
  });
  afterAll(async () => {
    await cluster?.destroy();
  });
  return () => {
    if (cluster === undefined) throw new Error("test/postgres: cluster not started (use inside tests or hooks)");
    return cluster;
  };
}
