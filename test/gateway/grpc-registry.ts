// Test support: a registry process's parts (`labelreg serve`: gRPC and its HTTP gateway) on
// loopback over a memory store, for tests of a gateway running on its own against it.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatVerifierKey, SIG_TYPE_ED25519 } from "../../log/note-keys.js";
import { startRegistry, type RunningRegistry } from "../../app/server.js";
import { openMemoryStore } from "../../services/store/memory.js";
import { authority } from "./registry-fixture.js";

/** The testkit signs at a fixed time: the registry (and any verifier replaying its entries) allows this skew. */
export const TEST_CLOCK_SKEW_SECONDS = 20 * 365 * 86_400;

export interface TestRegistry extends RunningRegistry {
  /** Closes the registry and removes its data directory. */
  dispose(): Promise<void>;
}

/** Starts a registry rooted at the fixture's authority key, with its gateway at `publicBaseUrl` if given. */
export async function startTestRegistry(publicBaseUrl?: string): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), "labelreg-gw-"));
  const reg = await startRegistry({
    dataDir: dir,
    grpcAddress: "127.0.0.1:0",
    origin: "gateway.test/standalone",
    authorityKey: formatVerifierKey("authority", SIG_TYPE_ED25519, authority.publicKey),
    store: openMemoryStore(),
    clockSkewSeconds: TEST_CLOCK_SKEW_SECONDS,
    batch: { lingerMs: 1 },
    http: { address: "127.0.0.1:0", ...(publicBaseUrl ? { publicBaseUrl } : {}) },
  });
  return {
    ...reg,
    async dispose() {
      await reg.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
