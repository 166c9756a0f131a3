// A batch of Ed25519 checks as one transferable buffer, for the worker pool: packed on the event
// loop, checked on a worker with nodeEd25519 (the policy and OpenSSL's cofactorless check, and its
// one cache of public-key objects). Layout: [count u32][message length u32 x count], then per
// item publicKey (32) signature (64) message.
import { nodeEd25519 } from "./ed25519-node.js";

export interface SignatureCheck {
  readonly publicKey: Uint8Array;
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
}

/** Packs checks whose keys are 32 bytes and signatures 64 (the caller has refused the others). */
export function packSignatures(items: readonly SignatureCheck[]): ArrayBuffer {
  let size = 4 + 4 * items.length;
  for (const it of items) size += 96 + it.message.length;
  const buffer = new ArrayBuffer(size);
  const view = new DataView(buffer);
  const bytes = new Uint8Array(buffer);
  view.setUint32(0, items.length);
  let at = 4 + 4 * items.length;
  items.forEach((it, i) => {
    view.setUint32(4 + 4 * i, it.message.length);
    bytes.set(it.publicKey, at);
    bytes.set(it.signature, at + 32);
    bytes.set(it.message, at + 96);
    at += 96 + it.message.length;
  });
  return buffer;
}

/** The verdicts of a packed batch: 1 where the signature is valid, else 0. */
export function checkSignatures(buffer: ArrayBuffer): Uint8Array {
  const view = new DataView(buffer);
  const bytes = new Uint8Array(buffer);
  const count = view.getUint32(0);
  const out = new Uint8Array(count);
  let at = 4 + 4 * count;
  for (let i = 0; i < count; i++) {
    const len = view.getUint32(4 + 4 * i);
    const publicKey = bytes.subarray(at, at + 32);
    const signature = bytes.subarray(at + 32, at + 96);
    out[i] = nodeEd25519.verify(publicKey, bytes.subarray(at + 96, at + 96 + len), signature) ? 1 : 0;
    at += 96 + len;
  }
  return out;
}
