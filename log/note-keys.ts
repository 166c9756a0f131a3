// Key strings for signed notes, in the format of Go's golang.org/x/mod/sumdb/note (which
// C2SP's vkeys follow):
//   verifier key  <name>+<8 hex digits key id>+<base64(signature type || public key)>
//   signer key    PRIVATE+KEY+<name>+<8 hex digits key id>+<base64(signature type || seed)>
// key id = first 4 bytes, big-endian, of SHA-256(name || 0x0A || signature type || public key).
//
// Ed25519 note keys (type 0x01) are made here; cosignature keys (type 0x04) in cosignature.ts.
import { sha256 } from "@noble/hashes/sha2.js";
import { concatBytes, fromBase64, toBase64, utf8 } from "./bytes.js";
import { ED25519_SEED_SIZE, nobleEd25519, publicKeyProblem, type Ed25519 } from "./ed25519.js";
import { NoteError, isValidKeyName, type NoteSigner, type NoteVerifier } from "./note.js";

/** Signature type byte of plain Ed25519 note signatures (signed-note v1). */
export const SIG_TYPE_ED25519 = 0x01;

const SIGNER_PREFIX = "PRIVATE+KEY+";
const KEY_ID_HEX = /^[0-9a-f]{8}$/;

/** The key id of a key: SHA-256(name || "\n" || type || key)[:4] as a big-endian uint32. */
export function computeKeyId(name: string, type: number, key: Uint8Array): number {
  const h = sha256(concatBytes(utf8(name), Uint8Array.of(0x0a, type), key));
  return ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
}

export function formatKeyId(keyId: number): string {
  return keyId.toString(16).padStart(8, "0");
}

/** The parts of a key string after its syntax and key id have been checked. */
export interface KeyParts {
  readonly name: string;
  readonly keyId: number;
  /** The signature type byte. */
  readonly type: number;
  /** The key material after the type byte: a public key, or a private seed. */
  readonly key: Uint8Array;
}

// "<name>+<id>+<base64>": the name and id hold no "+", base64 may, so split on the first two only.
function splitKeyFields(s: string, what: string): { name: string; idHex: string; body: Uint8Array } {
  const p1 = s.indexOf("+");
  const p2 = p1 < 0 ? -1 : s.indexOf("+", p1 + 1);
  if (p2 < 0) throw new NoteError("malformed-key", `${what} is not name+id+key`);
  const name = s.slice(0, p1);
  const idHex = s.slice(p1 + 1, p2);
  if (!isValidKeyName(name)) throw new NoteError("bad-key-name", `${what} has an invalid key name`);
  if (!KEY_ID_HEX.test(idHex)) throw new NoteError("malformed-key", `${what} key id is not 8 lowercase hex digits`);
  let body: Uint8Array;
  try {
    body = fromBase64(s.slice(p2 + 1));
  } catch {
    throw new NoteError("malformed-key", `${what} key is not strict standard base64`);
  }
  if (body.length < 2) throw new NoteError("malformed-key", `${what} has no key material`);
  return { name, idHex, body };
}

/** Parses a verifier key string and checks that its id matches; does not look at the algorithm. */
export function splitVerifierKey(vkey: string): KeyParts {
  const { name, idHex, body } = splitKeyFields(vkey, "verifier key");
  const keyId = parseInt(idHex, 16);
  const type = body[0]!;
  const key = body.subarray(1);
  if (computeKeyId(name, type, key) !== keyId)
    throw new NoteError("key-id-mismatch", "verifier key id does not match its name and key");
  return { name, keyId, type, key };
}

export function formatVerifierKey(name: string, type: number, publicKey: Uint8Array): string {
  if (!isValidKeyName(name)) throw new NoteError("bad-key-name", "invalid key name");
  const body = concatBytes(Uint8Array.of(type), publicKey);
  return `${name}+${formatKeyId(computeKeyId(name, type, publicKey))}+${toBase64(body)}`;
}

function checkEd25519PublicKey(publicKey: Uint8Array): void {
  const problem = publicKeyProblem(publicKey);
  if (problem) throw new NoteError("bad-public-key", `Ed25519 public key refused: ${problem}`);
}

/** A note verifier for a plain Ed25519 key (type 0x01). Throws NoteError for a key the policy refuses. */
export function ed25519NoteVerifier(name: string, publicKey: Uint8Array, ed: Ed25519 = nobleEd25519): NoteVerifier {
  if (!isValidKeyName(name)) throw new NoteError("bad-key-name", "invalid key name");
  checkEd25519PublicKey(publicKey);
  const verify = ed.verifier(publicKey);
  return { name, keyId: computeKeyId(name, SIG_TYPE_ED25519, publicKey), verify };
}

/** Parses an Ed25519 verifier key string into a note verifier. Throws NoteError. */
export function parseVerifierKey(vkey: string, ed: Ed25519 = nobleEd25519): NoteVerifier {
  const parts = splitVerifierKey(vkey);
  if (parts.type !== SIG_TYPE_ED25519) {
    throw new NoteError(
      "unsupported-algorithm",
      `signature type 0x${parts.type.toString(16)} is not a note signing key`,
    );
  }
  return ed25519NoteVerifier(parts.name, parts.key, ed);
}

/** An Ed25519 note signer that also knows its public key and verifier key string. */
export interface Ed25519NoteSigner extends NoteSigner {
  readonly publicKey: Uint8Array;
  readonly verifierKey: string;
}

/** A note signer from an Ed25519 seed (type 0x01). Throws NoteError. */
export function ed25519NoteSigner(name: string, seed: Uint8Array, ed: Ed25519 = nobleEd25519): Ed25519NoteSigner {
  if (!isValidKeyName(name)) throw new NoteError("bad-key-name", "invalid key name");
  if (seed.length !== ED25519_SEED_SIZE) throw new NoteError("malformed-key", "an Ed25519 seed is 32 bytes");
  const s = ed.signer(seed);
  return {
    name,
    keyId: computeKeyId(name, SIG_TYPE_ED25519, s.publicKey),
    publicKey: s.publicKey,
    verifierKey: formatVerifierKey(name, SIG_TYPE_ED25519, s.publicKey),
    sign: (text) => s.sign(text),
  };
}

/**
 * Parses a signer key string. The id is checked against the public key derived from the seed,
 * as Go does, so a corrupted key string is caught before it signs anything. Throws NoteError.
 */
export function parseSignerKey(skey: string, ed: Ed25519 = nobleEd25519): Ed25519NoteSigner {
  if (!skey.startsWith(SIGNER_PREFIX))
    throw new NoteError("malformed-key", "signer key does not start with PRIVATE+KEY+");
  const { name, idHex, body } = splitKeyFields(skey.slice(SIGNER_PREFIX.length), "signer key");
  if (body[0] !== SIG_TYPE_ED25519)
    throw new NoteError("unsupported-algorithm", "signer key is not an Ed25519 note key");
  const signer = ed25519NoteSigner(name, body.subarray(1), ed);
  if (signer.keyId !== parseInt(idHex, 16))
    throw new NoteError("key-id-mismatch", "signer key id does not match its name and key");
  return signer;
}

function signerKeyString(signer: Ed25519NoteSigner, seed: Uint8Array): string {
  const body = toBase64(concatBytes(Uint8Array.of(SIG_TYPE_ED25519), seed));
  return `${SIGNER_PREFIX}${signer.name}+${formatKeyId(signer.keyId)}+${body}`;
}

export function formatSignerKey(name: string, seed: Uint8Array, ed: Ed25519 = nobleEd25519): string {
  return signerKeyString(ed25519NoteSigner(name, seed, ed), seed);
}

/** A new Ed25519 note key pair; the seed comes from the platform's CSPRNG unless given. */
export function generateSignerKey(
  name: string,
  seed: Uint8Array = globalThis.crypto.getRandomValues(new Uint8Array(ED25519_SEED_SIZE)),
  ed: Ed25519 = nobleEd25519,
): { signerKey: string; verifierKey: string } {
  const signer = ed25519NoteSigner(name, seed, ed);
  return { signerKey: signerKeyString(signer, seed), verifierKey: signer.verifierKey };
}
