// The stored checkpoint must carry the log key's signature: a store that someone rewrote
// without the key cannot make the registry adopt (and go on signing after) a tree it never
// signed.
import { openCheckpoint, type Checkpoint } from "../../log/checkpoint.js";
import type { NoteVerifier } from "../../log/note.js";
import { formatKeyId } from "../../log/note-keys.js";
import type { StoredCheckpoint } from "../store/port.js";
import { IntegrityError } from "./integrity-error.js";

/** Opens the stored checkpoint under the log's key; IntegrityError if it does not verify or its size differs. */
export function verifyStoredCheckpoint(stored: StoredCheckpoint, log: NoteVerifier): Checkpoint {
  let checkpoint: Checkpoint;
  try {
    ({ checkpoint } = openCheckpoint(stored.note, log));
  } catch (e) {
    throw new IntegrityError(
      "checkpoint-signature",
      `the store's latest checkpoint (size ${stored.size}) does not verify under the log key ${log.name}+${formatKeyId(log.keyId)}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  if (checkpoint.size !== stored.size) {
    throw new IntegrityError(
      "checkpoint-signature",
      `the store says its latest checkpoint has size ${stored.size}, the signed note says ${checkpoint.size}`,
    );
  }
  return checkpoint;
}
