// A C2SP tlog-witness v1 witness, transport-free: addCheckpoint takes a request body and returns
// the HTTP answer the spec prescribes. Cosignatures are C2SP tlog-cosignature v1 (Ed25519,
// timestamped) from log/cosignature.ts.
//
// Order of checks, as the spec lists them: body syntax (400), origin known (404), a signature by
// a trusted log key (403), old size <= checkpoint size (400), old size = the stored size (409,
// with the stored size), the consistency proof (422), equal sizes need equal roots (409); then
// the stored checkpoint is advanced atomically (compare-and-set on the size) and cosigned.
import { CheckpointError, parseCheckpoint, type Checkpoint } from "../../log/checkpoint.js";
import { cosignCheckpoint, type Cosigner } from "../../log/cosignature.js";
import { hasher } from "../../log/hasher.js";
import { NoteError, openNote, parseSignedNote, type NoteVerifier } from "../../log/note.js";
import { verifyConsistency } from "../../log/proof.js";
import { AddCheckpointRequestError, parseAddCheckpointRequest } from "./request.js";
import type { WitnessState } from "./state.js";

export const TLOG_SIZE_CONTENT_TYPE = "text/x.tlog.size";

export interface WitnessAnswer {
  readonly status: 200 | 400 | 403 | 404 | 409 | 422;
  readonly contentType: string;
  readonly body: string;
}

export interface WitnessOptions {
  readonly cosigner: Cosigner;
  /** The logs this witness cosigns, as verifier keys; each key's name is its log's origin. */
  readonly logs: readonly NoteVerifier[];
  readonly state: WitnessState;
  /** Told of every refused checkpoint from a known log with a valid signature: possible evidence of misbehaviour. */
  readonly onEvidence?: (e: { origin: string; status: number; reason: string; note: Uint8Array }) => void;
}

const text = (status: WitnessAnswer["status"], body: string): WitnessAnswer => ({
  status,
  contentType: "text/plain; charset=utf-8",
  body: body.endsWith("\n") ? body : body + "\n",
});
const conflict = (size: number): WitnessAnswer => ({
  status: 409,
  contentType: TLOG_SIZE_CONTENT_TYPE,
  body: `${size}\n`,
});

export class Witness {
  private readonly logs = new Map<string, NoteVerifier[]>();

  constructor(private readonly opts: WitnessOptions) {
    for (const v of opts.logs) this.logs.set(v.name, [...(this.logs.get(v.name) ?? []), v]);
  }

  get name(): string {
    return this.opts.cosigner.name;
  }

  /** Answers one add-checkpoint request body. Never throws for bad input. */
  addCheckpoint(body: Uint8Array): WitnessAnswer {
    let req;
    let checkpoint: Checkpoint;
    try {
      req = parseAddCheckpointRequest(body);
      checkpoint = parseCheckpoint(parseSignedNote(req.note).text);
    } catch (e) {
      if (e instanceof AddCheckpointRequestError || e instanceof NoteError || e instanceof CheckpointError)
        return text(400, e.message);
      throw e;
    }
    const verifiers = this.logs.get(checkpoint.origin);
    if (!verifiers) return text(404, `unknown log origin ${JSON.stringify(checkpoint.origin)}`);
    try {
      openNote(req.note, verifiers);
    } catch (e) {
      return text(
        403,
        `no valid signature by a trusted key for ${checkpoint.origin}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    if (req.oldSize > checkpoint.size)
      return text(400, `old size ${req.oldSize} is beyond the checkpoint size ${checkpoint.size}`);
    const stored = this.opts.state.get(checkpoint.origin);
    const storedSize = stored?.size ?? 0;
    if (req.oldSize !== storedSize) return conflict(storedSize);
    try {
      verifyConsistency(req.oldSize, checkpoint.size, req.proof, stored?.root ?? hasher.emptyRoot, checkpoint.root, {
        emptyOldTree: "accept",
      });
    } catch (e) {
      // Equal sizes with different roots is the spec's 409; any other failure is a bad proof.
      if (stored && checkpoint.size === stored.size && req.proof.length === 0) {
        this.evidence(checkpoint.origin, 409, "a second root for the cosigned size", req.note);
        return conflict(storedSize);
      }
      this.evidence(checkpoint.origin, 422, e instanceof Error ? e.message : String(e), req.note);
      return text(
        422,
        `the consistency proof from ${req.oldSize} to ${checkpoint.size} does not verify: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    const r = this.opts.state.advance(checkpoint.origin, req.oldSize, {
      size: checkpoint.size,
      root: checkpoint.root,
      note: req.note.slice(),
    });
    // Someone else advanced the log between our read and the compare-and-set.
    if (!r.ok) return conflict(r.size);
    const c = this.opts.cosigner;
    const mine = parseSignedNote(cosignCheckpoint(req.note, c)).signatures.find(
      (s) => s.name === c.name && s.keyId === c.keyId,
    )!;
    return { status: 200, contentType: "text/plain; charset=utf-8", body: `\u2014 ${c.name} ${mine.base64}\n` };
  }

  private evidence(origin: string, status: number, reason: string, note: Uint8Array): void {
    this.opts.onEvidence?.({ origin, status, reason, note: note.slice() });
  }
}
