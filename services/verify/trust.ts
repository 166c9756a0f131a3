// What a verifier trusts: the log's verifier key, the authority's key, optionally a witness
// policy, and the registry's rule parameters. Portable: no Node built-ins on this path.
import { nobleEd25519, type Ed25519 } from "../../log/ed25519.js";
import { parseVerifierKey } from "../../log/note-keys.js";
import type { NoteVerifier } from "../../log/note.js";
import type { WitnessPolicy } from "../../log/witness-policy.js";
import { domainConfig, type DomainConfig } from "../domain/config.js";
import type { OpenedCheckpoint } from "./checkpoint.js";

export interface TrustConfig {
  /** The log's verifier key (a note verifier key string, or a parsed verifier). Its name is the origin. */
  readonly logKey: string | NoteVerifier;
  /** The authority's Ed25519 public key (32 bytes): the root of every issuer key. */
  readonly authorityPublicKey: Uint8Array;
  /** When set, a checkpoint counts only with enough witness cosignatures. */
  readonly witnessPolicy?: WitnessPolicy;
  /** The registry's rule parameters, if it does not run with the defaults. */
  readonly clockSkewSeconds?: number;
  readonly maxValiditySeconds?: number;
  /** Ed25519 implementation (default: portable noble; Node callers may pass nodeEd25519). */
  readonly ed25519?: Ed25519;
}

/** A TrustConfig with its keys parsed, ready for many verifications. */
export interface ResolvedTrust {
  readonly log: NoteVerifier;
  readonly witnessPolicy: WitnessPolicy | undefined;
  readonly domain: DomainConfig;
  readonly ed25519: Ed25519;
  /** Checkpoints already opened, by note text (see memoizedTrust). */
  readonly checkpoints?: Map<string, OpenedCheckpoint>;
}

/** Parses the keys once. Throws NoteError for a malformed log key. */
export function resolveTrust(t: TrustConfig): ResolvedTrust {
  const ed = t.ed25519 ?? nobleEd25519;
  const log = typeof t.logKey === "string" ? parseVerifierKey(t.logKey, ed) : t.logKey;
  return {
    log,
    witnessPolicy: t.witnessPolicy,
    // The rules run for the log whose checkpoints verify under this key: its name is their origin.
    domain: domainConfig(log.name, t.authorityPublicKey, ed.verify, {
      ...(t.clockSkewSeconds !== undefined ? { clockSkewSeconds: t.clockSkewSeconds } : {}),
      ...(t.maxValiditySeconds !== undefined ? { maxValiditySeconds: t.maxValiditySeconds } : {}),
    }),
    ed25519: ed,
  };
}
