// The body of a C2SP tlog-witness v1 add-checkpoint request, from untrusted bytes:
//
//   old <size>\n
//   <base64 hash>\n          (0 to 63 consistency proof lines)
//   \n
//   <signed checkpoint note>
//
// Parsing never throws anything but AddCheckpointRequestError (answered 400 Bad Request).
import { concatBytes, fromBase64, toBase64, utf8 } from "../../log/bytes.js";
import { HASH_SIZE, type Hash } from "../../log/hash.js";

/** The spec's limit on consistency proof lines. */
export const MAX_PROOF_LINES = 63;
/** Largest body accepted: a checkpoint with many cosignatures is a few KiB. */
export const MAX_REQUEST_BYTES = 64 * 1024;

export interface AddCheckpointRequest {
  readonly oldSize: number;
  readonly proof: Hash[];
  /** The signed checkpoint note, exactly as sent. */
  readonly note: Uint8Array;
}

export class AddCheckpointRequestError extends Error {
  constructor(message: string) {
    super(`add-checkpoint: ${message}`);
    this.name = "AddCheckpointRequestError";
  }
}

const OLD_LINE = /^old (0|[1-9][0-9]*)$/;
const NEWLINE = 0x0a;

/** Parses an add-checkpoint body; the checkpoint note itself is left to the note parser. */
export function parseAddCheckpointRequest(body: Uint8Array): AddCheckpointRequest {
  if (!(body instanceof Uint8Array)) throw new AddCheckpointRequestError("body is not bytes");
  if (body.length > MAX_REQUEST_BYTES) throw new AddCheckpointRequestError(`body exceeds ${MAX_REQUEST_BYTES} bytes`);
  let at = 0;
  const line = (): string => {
    const end = body.indexOf(NEWLINE, at);
    if (end < 0) throw new AddCheckpointRequestError("a line is not terminated by a newline");
    // Header lines are ASCII; anything else fails the patterns below.
    let s = "";
    for (let i = at; i < end; i++) s += String.fromCharCode(body[i]!);
    at = end + 1;
    return s;
  };
  const m = OLD_LINE.exec(line());
  if (!m) throw new AddCheckpointRequestError('the first line must be "old <size>" in decimal without leading zeros');
  const oldSize = Number(m[1]);
  if (!Number.isSafeInteger(oldSize)) throw new AddCheckpointRequestError("old size beyond 2^53 - 1");
  const proof: Hash[] = [];
  for (;;) {
    const l = line();
    if (l === "") break;
    if (proof.length === MAX_PROOF_LINES)
      throw new AddCheckpointRequestError(`more than ${MAX_PROOF_LINES} consistency proof lines`);
    let h: Uint8Array;
    try {
      h = fromBase64(l);
    } catch {
      throw new AddCheckpointRequestError(`proof line ${proof.length + 1} is not strict base64`);
    }
    if (h.length !== HASH_SIZE)
      throw new AddCheckpointRequestError(`proof line ${proof.length + 1} is ${h.length} bytes, not ${HASH_SIZE}`);
    proof.push(h);
  }
  if (at >= body.length) throw new AddCheckpointRequestError("no checkpoint after the empty line");
  return { oldSize, proof, note: body.subarray(at) };
}

/** Formats an add-checkpoint body (the client side). */
export function formatAddCheckpointRequest(oldSize: number, proof: readonly Hash[], note: Uint8Array): Uint8Array {
  const head = `old ${oldSize}\n` + proof.map((h) => toBase64(h) + "\n").join("") + "\n";
  return concatBytes(utf8(head), note);
}
