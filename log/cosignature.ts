// C2SP tlog-cosignature v1.0.0, Ed25519 only (signature type 0x04): a witness's timestamped
// note signature on a checkpoint. The signature bytes are
//   8-byte big-endian timestamp || Ed25519(cosigner key, "cosignature/v1\ntime <T>\n" || checkpoint text)
// where T is the same timestamp in decimal (POSIX seconds), at most 2^63 - 1.
//
// The signed message does not commit to the cosigner's name, so one public key must never
// serve two cosigner names; witness-policy.ts refuses such a policy.
import { concatBytes, utf8 } from "./bytes.js";
import { parseCheckpoint } from "./checkpoint.js";
import { ED25519_SEED_SIZE, nobleEd25519, publicKeyProblem, type Ed25519 } from "./ed25519.js";
import {
  NoteError,
  addSignatures,
  isValidKeyName,
  type NoteLimits,
  type NoteSigner,
  type NoteVerifier,
} from "./note.js";
import { computeKeyId, formatVerifierKey, splitVerifierKey } from "./note-keys.js";

/** Signature type byte of Ed25519 cosignature/v1 keys. */
export const SIG_TYPE_COSIGNATURE_V1 = 0x04;
export const COSIGNATURE_SIZE = 8 + 64;
export const MAX_COSIGNATURE_TIMESTAMP = (1n << 63n) - 1n;

const HEADER = utf8("cosignature/v1\ntime ");

export class CosignatureError extends Error {
  constructor(
    readonly code: "bad-timestamp" | "not-a-checkpoint",
    message: string,
  ) {
    super(message);
    this.name = "CosignatureError";
  }
}

/** The bytes an Ed25519 cosigner signs for a checkpoint text at a timestamp. */
export function cosignatureMessage(checkpointText: Uint8Array, timestamp: bigint): Uint8Array {
  return concatBytes(HEADER, utf8(`${timestamp}\n`), checkpointText);
}

/** Splits cosignature bytes (after the key id) into timestamp and Ed25519 signature; undefined if malformed. */
export function splitCosignature(sig: Uint8Array): { timestamp: bigint; signature: Uint8Array } | undefined {
  if (sig.length !== COSIGNATURE_SIZE) return undefined;
  let t = 0n;
  for (let i = 0; i < 8; i++) t = (t << 8n) | BigInt(sig[i]!);
  if (t > MAX_COSIGNATURE_TIMESTAMP) return undefined;
  return { timestamp: t, signature: sig.subarray(8) };
}

/** A note verifier for one cosigner; `timestampOf` tells when a valid cosignature was made. */
export interface CosignatureVerifier extends NoteVerifier {
  readonly publicKey: Uint8Array;
  /** The timestamp of a cosignature if it verifies over this text, else undefined. Never throws. */
  timestampOf(text: Uint8Array, signature: Uint8Array): bigint | undefined;
}

export function cosignatureVerifier(
  name: string,
  publicKey: Uint8Array,
  ed: Ed25519 = nobleEd25519,
): CosignatureVerifier {
  if (!isValidKeyName(name)) throw new NoteError("bad-key-name", "invalid cosigner name");
  const problem = publicKeyProblem(publicKey);
  if (problem) throw new NoteError("bad-public-key", `cosigner public key refused: ${problem}`);
  const verify = ed.verifier(publicKey);
  const timestampOf = (text: Uint8Array, sig: Uint8Array): bigint | undefined => {
    const parts = splitCosignature(sig);
    if (!parts) return undefined;
    return verify(cosignatureMessage(text, parts.timestamp), parts.signature) ? parts.timestamp : undefined;
  };
  return {
    name,
    keyId: computeKeyId(name, SIG_TYPE_COSIGNATURE_V1, publicKey),
    publicKey: Uint8Array.from(publicKey),
    timestampOf,
    verify: (text, sig) => timestampOf(text, sig) !== undefined,
  };
}

/** Parses a cosigner's verifier key string (type 0x04). Throws NoteError. */
export function parseCosignatureVerifierKey(vkey: string, ed: Ed25519 = nobleEd25519): CosignatureVerifier {
  const parts = splitVerifierKey(vkey);
  if (parts.type !== SIG_TYPE_COSIGNATURE_V1) {
    throw new NoteError(
      "unsupported-algorithm",
      `signature type 0x${parts.type.toString(16)} is not an Ed25519 cosignature/v1 key`,
    );
  }
  return cosignatureVerifier(parts.name, parts.key, ed);
}

export interface Cosigner extends NoteSigner {
  readonly publicKey: Uint8Array;
  /** The verifier key string (type 0x04) that clients configure for this cosigner. */
  readonly verifierKey: string;
}

/** Seconds since the Unix epoch, from the platform clock. */
export const systemClock = (): bigint => BigInt(Math.floor(Date.now() / 1000));

/**
 * A cosigner (witness key). Its sign() accepts only checkpoint texts (it throws
 * CosignatureError("not-a-checkpoint") otherwise) and stamps each cosignature with clock(). It does not check
 * consistency with earlier checkpoints: that is the witness's job before it calls this.
 */
export function cosigner(
  name: string,
  seed: Uint8Array,
  opts?: { readonly ed?: Ed25519; readonly clock?: () => bigint },
): Cosigner {
  if (!isValidKeyName(name)) throw new NoteError("bad-key-name", "invalid cosigner name");
  if (seed.length !== ED25519_SEED_SIZE) throw new NoteError("malformed-key", "an Ed25519 seed is 32 bytes");
  const s = (opts?.ed ?? nobleEd25519).signer(seed);
  const clock = opts?.clock ?? systemClock;
  return {
    name,
    keyId: computeKeyId(name, SIG_TYPE_COSIGNATURE_V1, s.publicKey),
    publicKey: s.publicKey,
    verifierKey: formatVerifierKey(name, SIG_TYPE_COSIGNATURE_V1, s.publicKey),
    sign(text) {
      try {
        parseCheckpoint(new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(text));
      } catch {
        throw new CosignatureError("not-a-checkpoint", "a cosigner signs only checkpoint texts");
      }
      const t = clock();
      if (t < 0n || t > MAX_COSIGNATURE_TIMESTAMP)
        throw new CosignatureError("bad-timestamp", "timestamp outside 0 .. 2^63 - 1");
      const head = new Uint8Array(8);
      new DataView(head.buffer).setBigUint64(0, t);
      return concatBytes(head, s.sign(cosignatureMessage(text, t)));
    },
  };
}

/**
 * Adds a cosignature to a signed checkpoint note (replacing an older one by the same cosigner).
 * It does not verify the log's signature: a witness opens the checkpoint first.
 */
export function cosignCheckpoint(signedCheckpoint: Uint8Array | string, c: Cosigner, opts?: NoteLimits): string {
  return addSignatures(signedCheckpoint, [c], opts);
}
