// Ed25519 for signed notes and cosignatures: one acceptance policy, two implementations.
//
// THE POLICY (both the portable path here and services/crypto/ed25519-node.ts apply it, and
// tests prove they agree on every vector of C2SP/CCTV's ed25519vectors.json):
//
//  1. Lengths: public key 32 bytes, signature 64 bytes; anything else is rejected.
//  2. S (the second half of the signature) must be canonical: S < L (RFC 8032 §5.1.7).
//  3. A (public key) and R (first half of the signature) must be canonical encodings:
//     y < p, and not x = 0 with the sign bit set. (RFC 8032 and FIPS 186-5 require this.)
//  4. A and R must not be points of small order (the 8 torsion points, in any of their 14
//     encodings). A low-order key admits signatures that verify for many messages (the
//     identity key with R = identity, S = 0 verifies everything), so such keys and
//     signatures are refused outright, as ed25519-dalek's verify_strict and libsodium do.
//  5. The equation is the cofactorless one, checked the ref10 way: encode [S]B - [k]A and
//     compare it byte for byte with R, where k = SHA-512(R || A || M) mod L over the bytes
//     as given. This is what OpenSSL (and so Node's crypto), Go and ref10 compute, so the
//     server's fast path needs no formula of its own.
//
// Consequences on the CCTV vectors: every vector flagged low_order_A, low_order_R,
// non_canonical_A, non_canonical_R or low_order_residue is rejected; the only accepted ones
// have at most low_order_component flags without a residue (mixed-order points that a
// blocklist cannot recognise and honest key generation never produces).
//
// Why not noble's own verify: its default is ZIP215 (accepts everything above), and its
// strict mode is cofactored ([8]R = [8]([S]B - [k]A)), which accepts low_order_residue
// signatures that OpenSSL rejects. The server and the browser must agree on every input, so
// the portable verifier below computes the cofactorless equation from noble's point arithmetic.
//
// The extra checks (3, 4) are byte comparisons against a fixed list: nanoseconds next to the
// tens of microseconds a verification costs (see ed25519.unit.test.ts and the log benchmark).
import { Point, etc, getPublicKey, hashes, sign as nobleSign } from "@noble/ed25519";
import { sha512 } from "@noble/hashes/sha2.js";
import { concatBytes } from "./bytes.js";

// noble's synchronous API needs a SHA-512; @noble/hashes is the portable one.
hashes.sha512 = sha512;

export const ED25519_PUBLIC_KEY_SIZE = 32;
export const ED25519_SIGNATURE_SIZE = 64;
export const ED25519_SEED_SIZE = 32;

/** Verifies a signature under the policy above; never throws (malformed input is `false`). */
export type Ed25519Verify = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;

/** A verifier bound to one public key, so an implementation can prepare the key once. */
export type Ed25519KeyVerify = (message: Uint8Array, signature: Uint8Array) => boolean;

export interface Ed25519Signer {
  readonly publicKey: Uint8Array;
  /** A deterministic RFC 8032 signature: the same seed and message always give the same bytes. */
  sign(message: Uint8Array): Uint8Array;
}

/** An Ed25519 implementation that applies the policy above; notes and checkpoints take one as a parameter. */
export interface Ed25519 {
  readonly name: string;
  readonly verify: Ed25519Verify;
  /** Prepares a key for repeated verification; a key the policy refuses gives a verifier that always says false. */
  verifier(publicKey: Uint8Array): Ed25519KeyVerify;
  /** Throws Ed25519Error("bad-seed") unless the seed is 32 bytes. */
  signer(seed: Uint8Array): Ed25519Signer;
}

export class Ed25519Error extends Error {
  constructor(
    readonly code: "bad-seed" | "bad-public-key",
    message: string,
  ) {
    super(message);
    this.name = "Ed25519Error";
  }
}

/** The group order L = 2^252 + 27742317777372353535851937790883648493. */
export const ED25519_ORDER = (1n << 252n) + 27742317777372353535851937790883648493n;

function numberLE(b: Uint8Array): bigint {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]!);
  return n;
}

// Every encoding of a point of order 1, 2, 4 or 8, canonical or not (from the CCTV README,
// which derives them from the curve equation). After the y < p check only the canonical eight
// and the two "x = -0" encodings can still match, but the full list costs nothing and states intent.
const LOW_ORDER_HEX = [
  "0000000000000000000000000000000000000000000000000000000000000000",
  "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "0000000000000000000000000000000000000000000000000000000000000080",
  "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
  "0100000000000000000000000000000000000000000000000000000000000000",
  "0100000000000000000000000000000000000000000000000000000000000080",
  "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
];
const LOW_ORDER = LOW_ORDER_HEX.map((h) => etc.hexToBytes(h));

function sameBytes(a: Uint8Array, aOff: number, b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (a[aOff + i] !== b[i]) return false;
  return true;
}

/** True if the 32 bytes at `off` encode y >= p (the sign bit aside): a non-canonical encoding. */
function yNotReduced(b: Uint8Array, off: number): boolean {
  // p = 2^255 - 19: little-endian ed ff .. ff 7f. y >= p iff bytes 1..30 are 0xff, the top byte
  // without its sign bit is 0x7f, and the low byte is at least 0xed.
  if ((b[off + 31]! & 0x7f) !== 0x7f) return false;
  for (let i = 30; i >= 1; i--) if (b[off + i] !== 0xff) return false;
  return b[off]! >= 0xed;
}

/** True if the 32 bytes at `off` are a point encoding this policy refuses (rules 3 and 4). */
export function isRejectedPointEncoding(b: Uint8Array, off = 0): boolean {
  if (yNotReduced(b, off)) return true;
  for (const lo of LOW_ORDER) if (sameBytes(b, off, lo)) return true;
  return false;
}

/** True if the 32 bytes at `off` encode a scalar >= L (rule 2). */
export function isNonCanonicalScalar(b: Uint8Array, off = 0): boolean {
  // L < 2^253, so any of the top three bits set means S >= L; otherwise compare as integers.
  if ((b[off + 31]! & 0xe0) !== 0) return true;
  if (b[off + 31]! < 0x10) return false;
  return numberLE(b.subarray(off, off + 32)) >= ED25519_ORDER;
}

/**
 * The checks of the policy that need no curve arithmetic (rules 1 to 4). Both implementations
 * run this first; then the cofactorless equation decides. Returns true if the input is refused.
 */
export function policyRejects(publicKey: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== ED25519_PUBLIC_KEY_SIZE || signature.length !== ED25519_SIGNATURE_SIZE) return true;
  return (
    isNonCanonicalScalar(signature, 32) || isRejectedPointEncoding(publicKey) || isRejectedPointEncoding(signature)
  );
}

/**
 * Whether a public key is acceptable for configuration (verifier keys, witness keys): 32 bytes,
 * canonical, not of small order, and a point on the curve. Returns a reason, or undefined if fine.
 * Uses noble on both paths: key parsing is rare, and this keeps one answer everywhere.
 */
export function publicKeyProblem(publicKey: Uint8Array): string | undefined {
  if (publicKey.length !== ED25519_PUBLIC_KEY_SIZE) return "an Ed25519 public key is 32 bytes";
  if (yNotReduced(publicKey, 0)) return "non-canonical point encoding";
  for (const lo of LOW_ORDER) if (sameBytes(publicKey, 0, lo)) return "point of small order";
  try {
    Point.fromBytes(publicKey, false);
  } catch {
    return "not a point on the curve";
  }
  return undefined;
}

function decodeKey(publicKey: Uint8Array): Point | undefined {
  if (publicKey.length !== ED25519_PUBLIC_KEY_SIZE || isRejectedPointEncoding(publicKey)) return undefined;
  try {
    return Point.fromBytes(publicKey, false);
  } catch {
    return undefined;
  }
}

// Rule 5 on a decoded key: encode [S]B - [k]A and compare with R byte for byte.
function cofactorlessVerify(A: Point, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== ED25519_SIGNATURE_SIZE) return false;
  if (isNonCanonicalScalar(signature, 32) || isRejectedPointEncoding(signature)) return false;
  const S = numberLE(signature.subarray(32, 64));
  const k = numberLE(sha512(concatBytes(signature.subarray(0, 32), publicKey, message))) % ED25519_ORDER;
  const SB = Point.BASE.multiply(S, false);
  const kA = A.multiply(k, false);
  const R = SB.subtract(kA).toBytes();
  return sameBytes(signature, 0, R);
}

function nobleVerifier(publicKey: Uint8Array): Ed25519KeyVerify {
  const key = Uint8Array.from(publicKey);
  const A = decodeKey(key);
  if (!A) return () => false;
  return (message, signature) => {
    try {
      return cofactorlessVerify(A, key, message, signature);
    } catch {
      return false;
    }
  };
}

/** The portable implementation (@noble/ed25519 point arithmetic, @noble/hashes SHA-512). */
export const nobleEd25519: Ed25519 = {
  name: "noble",
  verify(publicKey, message, signature) {
    return nobleVerifier(publicKey)(message, signature);
  },
  verifier: nobleVerifier,
  signer(seed) {
    if (seed.length !== ED25519_SEED_SIZE) throw new Ed25519Error("bad-seed", "an Ed25519 seed is 32 bytes");
    const s = Uint8Array.from(seed);
    const publicKey = getPublicKey(s);
    return {
      publicKey,
      sign: (message) => nobleSign(message, s),
    };
  },
};
