// `labelreg serve`'s memory flags reach the registry they size: the options memoryOptions()
// makes of them, given to startRegistry, bound its caches.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { categoryPublished, issuerAccredited, issuerKey, labelIssued, sign } from "../test/statement-kit.js";
import { readSignerKeyFile } from "../services/config/key-files.js";
import { memoryOptions } from "./cli/serve-flags.js";
import { devAuthorityKeyPath, startRegistry } from "./server.js";

const dir = mkdtempSync(join(tmpdir(), "labelreg-server-memory-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("sizes the tile cache and the state cache as the flags say", async () => {
  const running = await startRegistry({
    dataDir: dir,
    grpcAddress: "127.0.0.1:0",
    origin: "test.example/memory",
    batch: { lingerMs: 1 },
    scrubEntriesPerSecond: 0,
    ...memoryOptions({ tileCacheMb: "3", stateCacheMb: "1" }),
  });
  try {
    const { registry } = running;
    const view = registry.view;
    expect(view.tileCache.maxBytes).toBe(3 * 1024 * 1024);
    const authority = readSignerKeyFile(devAuthorityKeyPath(dir));
    const issuer = issuerKey(7);
    const origin = registry.origin;
    await registry.submit(sign(authority, categoryPublished("c1"), origin));
    await registry.submit(sign(authority, issuerAccredited("a1", "ISS", issuer), origin));
    // Labels far beyond a 1 MiB budget's worth: the state keeps under it between batches.
    let most = 0;
    const off = view.onAdvance(() => {
      most = Math.max(most, view.state.cachedBytes);
    });
    for (let from = 0; from < 1000; from += 250)
      await Promise.all(
        Array.from({ length: 250 }, (_, i) =>
          registry.submit(sign(issuer, labelIssued(`r${from + i}`, "ISS", `S${from + i}`), origin)),
        ),
      );
    off();
    expect(view.state.partial).toBe(true);
    expect(most).toBeGreaterThan(512 * 1024);
    expect(most).toBeLessThanOrEqual(1024 * 1024);
  } finally {
    await running.close();
  }
}, 60_000);
