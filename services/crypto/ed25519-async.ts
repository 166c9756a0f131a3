// Ed25519 verification off the event loop. Node's crypto.verify with a callback runs OpenSSL on
// libuv's thread pool, so signature checks (about 100 µs each here) use every core while the
// event loop decodes, sequences and answers. Same acceptance policy and the same results as
// nodeEd25519.verify: the policy's byte-level rules first (log/ed25519.ts policyRejects), then the
// same cofactorless OpenSSL check.
import { createPublicKey, verify as nodeVerify, type KeyObject } from "node:crypto";
import { ED25519_PUBLIC_KEY_SIZE, policyRejects } from "../../log/ed25519.js";

/** Resolves true iff `signature` is valid for `message` under `publicKey`; never rejects. */
export type VerifyAsyncFn = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => Promise<boolean>;

// DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410); the raw key follows.
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

// Building a KeyObject costs about a verification, and a registry sees a few issuer keys over and
// over. Bounded: on overflow the cache is dropped, which is cheap and can't be steered into growing.
const KEY_CACHE_LIMIT = 1024;
const keys = new Map<string, KeyObject | null>();

function keyObject(publicKey: Uint8Array): KeyObject | null {
  const id = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString("latin1");
  let key = keys.get(id);
  if (key !== undefined) return key;
  try {
    key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: "der", type: "spki" });
  } catch {
    key = null; // not a point OpenSSL accepts: no signature verifies
  }
  if (keys.size >= KEY_CACHE_LIMIT) keys.clear();
  keys.set(id, key);
  return key;
}

/** Ed25519 verification on libuv's thread pool, with the project's policy. */
export const nodeVerifyAsync: VerifyAsyncFn = (publicKey, message, signature) => {
  if (publicKey.length !== ED25519_PUBLIC_KEY_SIZE || policyRejects(publicKey, signature)) return Promise.resolve(false);
  const key = keyObject(publicKey);
  if (!key) return Promise.resolve(false);
  return new Promise((resolve) => {
    try {
      nodeVerify(null, message, key, signature, (err, ok) => resolve(!err && ok));
    } catch {
      resolve(false);
    }
  });
};
