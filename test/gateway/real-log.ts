// Test support: a real tlog (RFC 9162 tree, tlog-tiles tiles, signed checkpoints) written into a
// LogStore batch by batch, as a sequencer would, from entries that can be recomputed by index.

import { utf8 } from "../../log/bytes.js";
import { formatCheckpoint } from "../../log/checkpoint.js";
import { integrate } from "../../log/integrate.js";
import { ed25519NoteSigner, type Ed25519NoteSigner } from "../../log/note-keys.js";
import { signNote } from "../../log/note.js";
import { emptyTreeState, type TreeState } from "../../log/tree-state.js";
import type { LogStore } from "../../services/store/port.js";

export const TEST_ORIGIN = "gateway.test/log";
export const testLogSigner: Ed25519NoteSigner = ed25519NoteSigner(TEST_ORIGIN, new Uint8Array(32).fill(7));

/** Entry `i`: a few dozen bytes, distinct per index, with a repetitive part so gzip has work. */
export function testEntry(i: number): Uint8Array {
  return utf8(`entry ${i} of the gateway test log; label CSL-${i % 97}; `.repeat(1 + (i % 3)));
}

export interface BuiltLog {
  tree: TreeState;
  /** The latest signed checkpoint note. */
  note: string;
}

/** Grows the log in `store` to each size of `sizes` in turn (one append, one checkpoint per size). */
export async function growLog(
  store: LogStore,
  sizes: readonly number[],
  log: BuiltLog = { tree: emptyTreeState(), note: "" },
): Promise<BuiltLog> {
  for (const size of sizes) {
    const old = log.tree.size;
    const entries = Array.from({ length: size - old }, (_, k) => testEntry(old + k));
    const { state, tiles } = integrate(log.tree, entries);
    const note = signNote(
      formatCheckpoint({ origin: TEST_ORIGIN, size: state.size, root: state.root, extensions: [] }),
      [testLogSigner],
    );
    await store.append({ expectedSize: old, entries, tiles, checkpoint: utf8(note) });
    log = { tree: state, note };
  }
  return log;
}
