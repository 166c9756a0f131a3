// Helpers for tests and benchmarks that run several registry processes on one shared store: the
// processes of one log share its log key (and the authority key), so a second data directory
// gets copies of the first one's key files.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LogView } from "../services/readmodel/log-view.js";
import { DEFAULT_ORIGIN, devAuthorityKeyPath, logKeyPath, startRegistry, type RunningRegistry } from "../app/server.js";

/** Makes `to` a data directory holding the same log key and development authority key as `from` (a standby). */
export function shareKeys(from: string, to: string): void {
  mkdirSync(to, { recursive: true, mode: 0o700 });
  for (const path of [logKeyPath, devAuthorityKeyPath]) copyFileSync(path(from), path(to));
}

/** A read replica's data directory: the development authority key only (replicas take the log's verifier key, --log-key). */
export function shareAuthorityKey(from: string, to: string): void {
  mkdirSync(to, { recursive: true, mode: 0o700 });
  copyFileSync(devAuthorityKeyPath(from), devAuthorityKeyPath(to));
}

/** Resolves once `view` (a replica's, say) has advanced to `size` entries: on its advance event, not a clock. */
export function reaches(view: LogView, size: number): Promise<void> {
  return new Promise((resolve) => {
    if (view.size >= size) return resolve();
    const stop = view.onAdvance((now) => {
      if (now < size) return;
      stop();
      resolve();
    });
  });
}

/** Polls `check` every `everyMs` until it returns true; the elapsed milliseconds, or throws after `timeoutMs`. */
export async function waitUntil(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  everyMs = 5,
): Promise<number> {
  const start = performance.now();
  for (;;) {
    if (await check()) return performance.now() - start;
    if (performance.now() - start > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A sequencing registry and a read replica, in this process, on the PostgreSQL log at `url`. */
export interface RegistryPair {
  readonly primary: RunningRegistry;
  readonly replica: RunningRegistry;
  /** The primary's data directory (its development authority key is there). */
  readonly primaryDir: string;
  close(): Promise<void>;
}

/** Starts both (HTTP gateways on free ports) and waits for the primary to hold the lease. */
export async function startPrimaryAndReplica(url: string): Promise<RegistryPair> {
  const dir = mkdtempSync(join(tmpdir(), "labelreg-pair-"));
  const common = {
    grpcAddress: "127.0.0.1:0",
    origin: DEFAULT_ORIGIN,
    storage: { kind: "postgres", url } as const,
    http: { address: "127.0.0.1:0" },
  };
  const primaryDir = join(dir, "primary");
  const primary = await startRegistry({ ...common, dataDir: primaryDir });
  shareAuthorityKey(primaryDir, join(dir, "replica"));
  const replica = await startRegistry({
    ...common,
    dataDir: join(dir, "replica"),
    readOnly: true,
    logKey: primary.logVerifierKey,
  });
  // The only sequencing process takes the lease at once.
  await waitUntil("primary takes the lease", () => !primary.registry.readOnly, 5000);
  return {
    primary,
    replica,
    primaryDir,
    async close() {
      await replica.close();
      await primary.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
