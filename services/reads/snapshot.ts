// A consistent snapshot of the log for one answer: the tree, its signed checkpoint and size,
// pinned together in one synchronous step. Everything an answer reports is as of this size,
// even if the log grows while the answer is being built.
import { parseCheckpoint } from "../../log/checkpoint.js";
import { parseSignedNote } from "../../log/note.js";
import type { TreeState } from "../../log/tree-state.js";
import type { LogView } from "../readmodel/log-view.js";

export interface Snapshot {
  readonly size: number;
  readonly tree: TreeState;
  /** The signed checkpoint note for `size` ("" for an empty log). */
  readonly checkpoint: string;
}

/**
 * The view's latest committed tree and checkpoint. The two can differ for a moment (catchUp
 * applies entries before it installs the new checkpoint; a witness may cosign): the checkpoint
 * note decides, and the tree must have its size.
 */
export function pinSnapshot(view: LogView): Snapshot {
  const tree = view.tree;
  const checkpoint = view.checkpoint;
  if (checkpoint !== "") {
    const size = checkpointSize(checkpoint);
    if (size !== tree.size)
      throw new Error(`log view: checkpoint size ${size} differs from the tree size ${tree.size}`);
  }
  return { size: tree.size, tree, checkpoint };
}

/**
 * While the latest checkpoint still lacks the witness cosignatures its policy requires
 * (LogView.witnessed): the newest checkpoint that has them, if every entry about the thing read
 * (`indices`) is in it. Otherwise undefined: the latest answers, its proofs hold, and a verifier
 * with the policy reports its checkpoint as awaiting its witnesses.
 */
export function witnessedSnapshotFor(
  view: LogView,
  indices: readonly { readonly index: number }[] | undefined,
): Snapshot | undefined {
  const w = view.witnessed;
  if (!w || w.tree.size >= view.size || !indices?.length || !indices.every((h) => h.index < w.tree.size))
    return undefined;
  return { size: w.tree.size, tree: w.tree, checkpoint: w.checkpoint };
}

/** The snapshot public reads about one thing answer from: see witnessedSnapshotFor. */
export function pinPublicSnapshot(view: LogView, indices: readonly { readonly index: number }[] | undefined): Snapshot {
  return witnessedSnapshotFor(view, indices) ?? pinSnapshot(view);
}

// Every read pins a snapshot, and the note changes only with a commit or a cosignature: parse
// each note once.
let lastNote = "";
let lastSize = 0;

function checkpointSize(note: string): number {
  if (note !== lastNote) {
    lastSize = parseCheckpoint(parseSignedNote(note).text).size;
    lastNote = note;
  }
  return lastSize;
}
