// "k of these n witnesses": what a verifier requires of a checkpoint's cosignatures before it
// trusts the checkpoint (and the proofs that rely on it) against split views.
import { type Checkpoint, openCheckpoint } from "./checkpoint.js";
import { bytesEqual } from "./bytes.js";
import type { CosignatureVerifier } from "./cosignature.js";
import type { Note, NoteLimits, NoteVerifier, ParsedNote } from "./note.js";

export class WitnessPolicyError extends Error {
  constructor(
    readonly code: "bad-policy" | "too-few-cosignatures",
    message: string,
    /** For "too-few-cosignatures": the witnesses whose cosignatures did verify. */
    readonly cosigned: readonly WitnessCosignature[] = [],
  ) {
    super(message);
    this.name = "WitnessPolicyError";
  }
}

export interface WitnessPolicy {
  readonly threshold: number;
  readonly witnesses: readonly CosignatureVerifier[];
}

export interface WitnessCosignature {
  readonly name: string;
  readonly keyId: number;
  /** When the witness cosigned (POSIX seconds). */
  readonly timestamp: bigint;
}

/**
 * A policy requiring `threshold` distinct witnesses out of `witnesses`. Refuses (bad-policy)
 * a threshold outside 0..n, two witnesses with the same name and key id, and two witnesses
 * sharing a public key: a cosignature/v1 does not commit to the name, so one key under two
 * names would be counted twice.
 */
export function witnessPolicy(threshold: number, witnesses: readonly CosignatureVerifier[]): WitnessPolicy {
  if (!Number.isSafeInteger(threshold) || threshold < 0 || threshold > witnesses.length) {
    throw new WitnessPolicyError("bad-policy", `threshold ${threshold} is not within 0..${witnesses.length}`);
  }
  for (let i = 0; i < witnesses.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = witnesses[i]!;
      const b = witnesses[j]!;
      if ((a.name === b.name && a.keyId === b.keyId) || bytesEqual(a.publicKey, b.publicKey)) {
        throw new WitnessPolicyError("bad-policy", `witnesses ${b.name} and ${a.name} are the same key`);
      }
    }
  }
  return { threshold, witnesses: [...witnesses] };
}

/**
 * The policy's witnesses that validly cosigned this note's text, each counted once. A
 * cosignature that fails to verify does not count, and does not refuse the note either: one
 * broken witness must not block a checkpoint that enough others vouch for.
 */
export function validCosignatures(policy: WitnessPolicy, note: ParsedNote | Note): WitnessCosignature[] {
  const sigs = "signatures" in note ? note.signatures : [...note.sigs, ...note.unverifiedSigs];
  const out: WitnessCosignature[] = [];
  for (const w of policy.witnesses) {
    for (const s of sigs) {
      if (s.name !== w.name || s.keyId !== w.keyId) continue;
      const timestamp = w.timestampOf(note.textBytes, s.signature);
      if (timestamp !== undefined) {
        out.push({ name: w.name, keyId: w.keyId, timestamp });
        break;
      }
    }
  }
  return out;
}

/** Throws WitnessPolicyError("too-few-cosignatures") unless the note meets the policy; returns the cosignatures. */
export function checkWitnessPolicy(policy: WitnessPolicy, note: ParsedNote | Note): WitnessCosignature[] {
  const cosigned = validCosignatures(policy, note);
  if (cosigned.length < policy.threshold) {
    throw new WitnessPolicyError(
      "too-few-cosignatures",
      `${cosigned.length} valid cosignatures of the ${policy.threshold} required`,
      cosigned,
    );
  }
  return cosigned;
}

/**
 * Opens a signed checkpoint as a client should: the log's signature (openCheckpoint), then
 * the witness policy. Throws NoteError, CheckpointError or WitnessPolicyError.
 */
export function openWitnessedCheckpoint(
  signedNote: Uint8Array | string,
  log: NoteVerifier,
  policy: WitnessPolicy,
  opts?: NoteLimits & { readonly origin?: string },
): { readonly checkpoint: Checkpoint; readonly note: Note; readonly cosignatures: readonly WitnessCosignature[] } {
  const { checkpoint, note } = openCheckpoint(signedNote, log, opts);
  return { checkpoint, note, cosignatures: checkWitnessPolicy(policy, note) };
}
