// Ed25519 over Node's crypto (OpenSSL), with the same acceptance policy as log/ed25519.ts.
//
// OpenSSL already does the cofactorless ref10 check (rule 5) and rejects S >= L; the
// byte-level rules (non-canonical and small-order A and R) are applied first by the shared
// policyRejects(), so this path and the portable one agree on every input (tests prove it on
// every CCTV vector). Signatures are deterministic RFC 8032, identical to noble's for a seed.
import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify, type KeyObject } from "node:crypto";
import {
  ED25519_PUBLIC_KEY_SIZE,
  ED25519_SEED_SIZE,
  Ed25519Error,
  policyRejects,
  type Ed25519,
  type Ed25519KeyVerify,
} from "../../log/ed25519.js";

// DER prefixes of an Ed25519 SubjectPublicKeyInfo and of a PKCS#8 private key (RFC 8410);
// the raw 32-byte key follows each.
const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);
const PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);

function der(prefix: Uint8Array, key: Uint8Array): Buffer {
  const out = Buffer.alloc(prefix.length + key.length);
  out.set(prefix, 0);
  out.set(key, prefix.length);
  return out;
}

function publicKeyObject(publicKey: Uint8Array): KeyObject | undefined {
  if (publicKey.length !== ED25519_PUBLIC_KEY_SIZE) return undefined;
  try {
    return createPublicKey({ key: der(SPKI_PREFIX, publicKey), format: "der", type: "spki" });
  } catch {
    return undefined;
  }
}

// Building a KeyObject costs about as much as a verification, and callers of verify() usually
// repeat a handful of keys (the log's, the witnesses'), so keep the recent ones. Bounded: on
// overflow the whole cache is dropped, which is cheap and can't be steered into growing.
const KEY_CACHE_LIMIT = 1024;
const keyCache = new Map<string, KeyObject>();

function cachedPublicKeyObject(publicKey: Uint8Array): KeyObject | undefined {
  const id = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.length).toString("latin1");
  let key = keyCache.get(id);
  if (key) return key;
  key = publicKeyObject(publicKey);
  if (!key) return undefined;
  if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear();
  keyCache.set(id, key);
  return key;
}

function verifyWith(key: KeyObject, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (policyRejects(publicKey, signature)) return false;
  try {
    return nodeVerify(null, message, key, signature);
  } catch {
    return false;
  }
}

function nodeVerifier(publicKey: Uint8Array): Ed25519KeyVerify {
  const raw = Uint8Array.from(publicKey);
  const key = publicKeyObject(raw);
  if (!key) return () => false;
  return (message, signature) => verifyWith(key, raw, message, signature);
}

/** Ed25519 over Node's OpenSSL: the server's fast path. Same policy and results as nobleEd25519. */
export const nodeEd25519: Ed25519 = {
  name: "node",
  verify(publicKey, message, signature) {
    // Refuse before building a KeyObject: policy failures are the cheap, common refusals.
    if (policyRejects(publicKey, signature)) return false;
    const key = cachedPublicKeyObject(publicKey);
    return key !== undefined && verifyWith(key, publicKey, message, signature);
  },
  verifier: nodeVerifier,
  signer(seed) {
    if (seed.length !== ED25519_SEED_SIZE) throw new Ed25519Error("bad-seed", "an Ed25519 seed is 32 bytes");
    const privateKey = createPrivateKey({ key: der(PKCS8_PREFIX, seed), format: "der", type: "pkcs8" });
    const spki = createPublicKey(privateKey).export({ format: "der", type: "spki" });
    const publicKey = new Uint8Array(spki.subarray(spki.length - ED25519_PUBLIC_KEY_SIZE));
    return {
      publicKey,
      sign: (message) => new Uint8Array(nodeSign(null, message, privateKey)),
    };
  },
};
