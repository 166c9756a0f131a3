// A memory log holding given entries as a sequencer would have published them: their tree's
// tiles and a checkpoint signed by the log's key. Tests forge entries with it (a commitment with
// a wrong root the key signed anyway) to see who notices.
import { utf8 } from "../log/bytes.js";
import { formatCheckpoint } from "../log/checkpoint.js";
import { integrate } from "../log/integrate.js";
import { signNote, type NoteSigner } from "../log/note.js";
import { emptyTreeState } from "../log/tree-state.js";
import { MemoryLog, openMemoryStore } from "../services/store/memory.js";

export async function signedMemoryLog(list: readonly Uint8Array[], logSigner: NoteSigner): Promise<MemoryLog> {
  const log = new MemoryLog();
  const grown = integrate(emptyTreeState(), list);
  const cp = formatCheckpoint({
    origin: logSigner.name,
    size: grown.state.size,
    root: grown.state.root,
    extensions: [],
  });
  await openMemoryStore(log).append({
    expectedSize: 0,
    entries: list,
    tiles: grown.tiles,
    checkpoint: utf8(signNote(cp, [logSigner])),
  });
  return log;
}
