// C2SP tlog-checkpoint v1: the note text of a log's signed tree head.
//   <origin>\n<tree size, decimal>\n<base64 root hash>\n[<extension line>\n]...
import { fromBase64, toBase64 } from "./bytes.js";
import { HASH_SIZE } from "./hash.js";
import { openNote, type Note, type NoteLimits, type NoteVerifier } from "./note.js";

export type CheckpointErrorCode =
  | "malformed-checkpoint" // not newline-terminated lines, fewer than three, or a control character
  | "bad-origin" // empty origin line
  | "bad-size" // not decimal without leading zeros, or beyond 2^53 - 1
  | "bad-root" // not strict base64 of 32 bytes
  | "bad-extension" // an empty extension line
  | "wrong-origin"; // a checkpoint for another log than the one expected

export class CheckpointError extends Error {
  constructor(
    readonly code: CheckpointErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "CheckpointError";
  }
}

export interface Checkpoint {
  readonly origin: string;
  /** The number of leaves. Sizes beyond Number.MAX_SAFE_INTEGER are refused ("bad-size"). */
  readonly size: number;
  /** The RFC 9162 root hash at that size: 32 bytes. */
  readonly root: Uint8Array;
  /** Opaque extension lines, without their newlines; usually none. */
  readonly extensions: readonly string[];
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;
const CONTROL = /[\u0000-\u0009\u000b-\u001f]/;

/** Parses a checkpoint body (a note text). Throws CheckpointError. */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith("\n"))
    throw new CheckpointError("malformed-checkpoint", "checkpoint text must end with a newline");
  if (CONTROL.test(text)) throw new CheckpointError("malformed-checkpoint", "checkpoint contains a control character");
  // The three mandatory lines first, so a malformed head is refused before any extension is split.
  const e1 = text.indexOf("\n");
  const e2 = text.indexOf("\n", e1 + 1);
  const e3 = e2 < 0 ? -1 : text.indexOf("\n", e2 + 1);
  if (e3 < 0) throw new CheckpointError("malformed-checkpoint", "a checkpoint has at least three lines");
  const origin = text.slice(0, e1);
  const sizeLine = text.slice(e1 + 1, e2);
  const rootLine = text.slice(e2 + 1, e3);
  if (origin.length === 0) throw new CheckpointError("bad-origin", "empty origin line");
  if (!DECIMAL.test(sizeLine))
    throw new CheckpointError("bad-size", "tree size is not a decimal without leading zeros");
  const size = Number(sizeLine);
  if (!Number.isSafeInteger(size)) throw new CheckpointError("bad-size", "tree size beyond 2^53 - 1");
  let root: Uint8Array;
  try {
    root = fromBase64(rootLine);
  } catch {
    throw new CheckpointError("bad-root", "root hash is not strict standard base64");
  }
  if (root.length !== HASH_SIZE)
    throw new CheckpointError("bad-root", `root hash is ${root.length} bytes, not ${HASH_SIZE}`);
  const extensions = e3 + 1 === text.length ? [] : text.slice(e3 + 1, -1).split("\n");
  if (extensions.some((e) => e.length === 0)) throw new CheckpointError("bad-extension", "empty extension line");
  return { origin, size, root, extensions };
}

/** Formats a checkpoint body; refuses what parseCheckpoint would refuse, so the two round-trip. */
export function formatCheckpoint(c: Checkpoint): string {
  if (c.origin.length === 0 || c.origin.includes("\n"))
    throw new CheckpointError("bad-origin", "origin must be one non-empty line");
  if (!Number.isSafeInteger(c.size) || c.size < 0)
    throw new CheckpointError("bad-size", "tree size must be a non-negative safe integer");
  if (c.root.length !== HASH_SIZE) throw new CheckpointError("bad-root", `root hash must be ${HASH_SIZE} bytes`);
  for (const e of c.extensions) {
    if (e.length === 0 || e.includes("\n"))
      throw new CheckpointError("bad-extension", "an extension is one non-empty line");
  }
  const text = [c.origin, String(c.size), toBase64(c.root), ...c.extensions].join("\n") + "\n";
  if (CONTROL.test(text)) throw new CheckpointError("malformed-checkpoint", "checkpoint contains a control character");
  return text;
}

/**
 * Opens a signed checkpoint from a log: the note must carry a valid signature by the log's
 * key (other signatures, such as cosignatures, are ignored here; see witness-policy.ts), and
 * its origin must be the expected one, by default the log key's name (DESIGN: key name =
 * origin). Throws NoteError or CheckpointError.
 */
export function openCheckpoint(
  signedNote: Uint8Array | string,
  log: NoteVerifier,
  opts?: NoteLimits & { readonly origin?: string },
): { readonly checkpoint: Checkpoint; readonly note: Note } {
  const note = openNote(signedNote, [log], opts);
  const checkpoint = parseCheckpoint(note.text);
  const origin = opts?.origin ?? log.name;
  if (checkpoint.origin !== origin)
    throw new CheckpointError("wrong-origin", `checkpoint is for ${checkpoint.origin}, not ${origin}`);
  return { checkpoint, note };
}
