// Which log key a registry may use on a store. A new log key is made only for a store that holds
// no log; a store that holds one (any checkpoint, of any size) needs the key that signed it, so a
// lost or swapped log.key stops the start with a clear error instead of starting a second log
// under the first one's name. Read replicas never hold the private key: they verify with the
// log's verifier key alone.
import { existsSync } from "node:fs";
import { parseSignedNote } from "../../log/note.js";
import { formatKeyId, parseVerifierKey } from "../../log/note-keys.js";
import type { Ed25519NoteSigner } from "../../log/note-keys.js";
import { loadOrCreateSignerKey, readSignerKeyFile } from "../config/key-files.js";
import { nodeEd25519 } from "../crypto/ed25519-node.js";
import type { LogStore, StoredCheckpoint } from "../store/port.js";
import { verifyStoredCheckpoint } from "./checkpoint-check.js";

export class LogKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LogKeyError";
  }
}

/** Who signed a stored note, for messages: "name+id, ..." of its signature lines. */
function signersOf(stored: StoredCheckpoint): string {
  try {
    return parseSignedNote(new TextDecoder().decode(stored.note))
      .signatures.map((s) => `${s.name}+${formatKeyId(s.keyId)}`)
      .join(", ");
  } catch {
    return "an unreadable note";
  }
}

/**
 * The sequencer's log key at `path` for `store`: loaded and checked against the store's latest
 * checkpoint, or created (named `origin`) if the file is absent and the store holds no log.
 */
export async function sequencerLogKey(
  path: string,
  origin: string,
  store: LogStore,
): Promise<{ signer: Ed25519NoteSigner; created: boolean }> {
  const latest = await store.latestCheckpoint();
  if (!existsSync(path)) {
    if (latest) {
      throw new LogKeyError(
        `${path} is missing, but the store holds a log (size ${latest.size}, checkpoint signed by ${signersOf(latest)}): ` +
          `restore that log's key file from its backup. A new key would not verify anything the log published`,
      );
    }
    return loadOrCreateSignerKey(path, origin);
  }
  const signer = readSignerKeyFile(path);
  if (latest) checkKeyVerifies(signer.verifierKey, latest, path);
  return { signer, created: false };
}

/** A read replica's view of the key: the verifier key given, checked against the store's checkpoint. */
export async function replicaLogKey(verifierKey: string, store: LogStore): Promise<void> {
  const latest = await store.latestCheckpoint();
  if (latest) checkKeyVerifies(verifierKey, latest, "--log-key");
}

function checkKeyVerifies(verifierKey: string, latest: StoredCheckpoint, where: string): void {
  const verifier = parseVerifierKey(verifierKey, nodeEd25519);
  try {
    verifyStoredCheckpoint(latest, verifier);
  } catch {
    throw new LogKeyError(
      `${where} (key ${verifier.name}+${formatKeyId(verifier.keyId)}) does not verify the store's latest checkpoint ` +
        `(size ${latest.size}, signed by ${signersOf(latest)}): this is not the key of the log in this store. ` +
        `Use the log's own key, or point --data / the store at the log this key belongs to`,
    );
  }
}
