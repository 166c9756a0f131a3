// Helpers for tests and benchmarks that run several registry processes on one shared store: the
// processes of one log share its log key (and the authority key), so a second data directory
// gets copies of the first one's key files.
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { devAuthorityKeyPath, logKeyPath } from "../services/server.js";

/** Makes `to` a data directory holding the same log key and development authority key as `from`. */
export function shareKeys(from: string, to: string): void {
  mkdirSync(to, { recursive: true, mode: 0o700 });
  for (const path of [logKeyPath, devAuthorityKeyPath]) copyFileSync(path(from), path(to));
}

/** Polls `check` every `everyMs` until it returns true; the elapsed milliseconds, or throws after `timeoutMs`. */
export async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000, everyMs = 5): Promise<number> {
  const start = performance.now();
  for (;;) {
    if (await check()) return performance.now() - start;
    if (performance.now() - start > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
