// A new log publishes its size-0 checkpoint at once (C2SP tlog-checkpoint, as Tessera and
// Sunlight do): the empty tree's root (SHA-256 of nothing), signed, so clients and witnesses can
// start from it before the first entry. It is stored like any checkpoint, and only into a store
// that holds none, so it is signed once and never replaced by another (cosignatures aside).
import { formatCheckpoint } from "../../log/checkpoint.js";
import { signNote, type NoteSigner } from "../../log/note.js";
import { emptyTreeState } from "../../log/tree-state.js";
import { SizeConflictError } from "../store/port.js";
import { noteBytes, type LogView } from "../readmodel/log-view.js";

/**
 * Stores the empty log's signed checkpoint if the store holds no checkpoint yet, then catches the
 * view up (so it serves whichever size-0 checkpoint the store holds). For the sequencing process
 * only: a replica never signs.
 */
export async function publishEmptyLogCheckpoint(view: LogView, logSigner: NoteSigner, origin: string): Promise<void> {
  if (view.checkpoint !== "" || (await view.store.latestCheckpoint()) !== undefined) return;
  const root = emptyTreeState().root;
  const note = signNote(formatCheckpoint({ origin, size: 0, root, extensions: [] }), [logSigner]);
  try {
    await view.store.append({ expectedSize: 0, entries: [], tiles: [], checkpoint: noteBytes(note) });
  } catch (e) {
    // Another sequencer stored one first (or the log moved on): serve what the store holds.
    if (!(e instanceof SizeConflictError)) throw e;
  }
  await view.catchUp();
}
