// `labelreg fsck` as a library call: opens a data directory's store read-only and checks all of
// it (check-log.ts; with the authority's key, the state map's commitments too), plus that nothing
// is stored past the latest checkpoint.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseVerifierKey } from "../../log/note-keys.js";
import { publicKeyOfVerifierKey, readVerifierKey } from "../config/key-files.js";
import { nodeEd25519 } from "../crypto/ed25519-node.js";
import { openConfiguredStore, type StoreSpec } from "../store/open.js";
import type { LogStore } from "../store/port.js";
import { checkStoredLog, uncached, type CheckLogReport } from "./check-log.js";
import { checkNoEntriesBeyondCheckpoint } from "./rollback.js";

export interface FsckOptions {
  readonly dataDir: string;
  /** The log's verifier key (string or file); default `<dataDir>/log.pub`. */
  readonly logKey?: string;
  /** The authority's verifier key (string or file): given, the state map is recomputed and every commitment checked. */
  readonly authorityKey?: string;
  /** Default SQLite in the data directory. */
  readonly storage?: StoreSpec;
  /** Overrides the store (tests); it is not closed. */
  readonly store?: LogStore;
  readonly onProgress?: (checked: number, total: number) => void;
}

/** Checks the store; resolves with what was checked, rejects with IntegrityError naming the problem. */
export async function fsck(opts: FsckOptions): Promise<CheckLogReport> {
  const dataDir = resolve(opts.dataDir);
  const keyArg = opts.logKey ?? join(dataDir, "log.pub");
  if (!opts.logKey && !existsSync(keyArg)) throw new Error(`fsck: no --log-key given and ${keyArg} does not exist`);
  const log = parseVerifierKey(readVerifierKey(keyArg), nodeEd25519);
  const opened =
    opts.store ?? (await openConfiguredStore(opts.storage ?? { kind: "sqlite" }, { dataDir, readOnly: true })).store;
  const store = uncached(opened);
  try {
    await checkNoEntriesBeyondCheckpoint(store);
    return await checkStoredLog(store, {
      log,
      ...(opts.authorityKey ? { authorityPublicKey: publicKeyOfVerifierKey(readVerifierKey(opts.authorityKey)) } : {}),
      ...(opts.onProgress ? { between: opts.onProgress } : {}),
    });
  } finally {
    if (!opts.store) await opened.close();
  }
}
