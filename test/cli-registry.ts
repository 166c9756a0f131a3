// A registry on loopback for tests that run the `labelreg` CLI against it: a fresh data directory,
// the development authority key, and one accredited issuer in one published category.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Statement } from "../proto/gen/messages/labelreg/v1/statement.js";
import { startRegistry, type RunningRegistry } from "../app/server.js";
import { readSignerKeyFile } from "../services/config/key-files.js";
import { categoryPublished, issuerAccredited, issuerKey, sign, type RawSigner } from "./statement-kit.js";

export interface CliRegistry {
  /** The test's directory: the registry's data is under data/, the CLI runs here. */
  readonly dir: string;
  readonly running: RunningRegistry;
  readonly authority: RawSigner;
  /** Submits a statement signed by the issuer (or `key`). */
  submit(s: Statement, key?: RawSigner): Promise<unknown>;
  close(): Promise<void>;
}

/** Starts a registry whose issuer `issuerId` (key seed `seed`) is accredited in the statement kit's category. */
export async function startCliRegistry(issuerId: string, seed: number): Promise<CliRegistry> {
  const dir = mkdtempSync(join(tmpdir(), `labelreg-cli-${issuerId.toLowerCase()}-`));
  const running = await startRegistry({
    dataDir: join(dir, "data"),
    grpcAddress: "127.0.0.1:0",
    origin: `test.example/${issuerId.toLowerCase()}`,
    batch: { lingerMs: 1 },
  });
  const authority = readSignerKeyFile(running.devAuthorityKeyFile!);
  const issuer = issuerKey(seed);
  const r = running.registry;
  const submit = (s: Statement, key: RawSigner = issuer) => r.submit(sign(key, s, r.origin));
  await submit(categoryPublished("c1"), authority);
  await submit(issuerAccredited("a1", issuerId, issuer), authority);
  return {
    dir,
    running,
    authority,
    submit,
    close: async () => {
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
