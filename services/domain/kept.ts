// Compact copies of what the projections keep for the life of the process. At 10^6 entries the
// projected state is over a gigabyte, and V8's young-generation collections slow down with the
// number of old objects and of ArrayBuffers: a 32-byte digest as its own ArrayBuffer, or a
// 32-byte view that pins its whole decoded entry, cost far more than its bytes. Portable (the
// verifier replays through apply() in the browser too).
import type { Evidence } from "../../proto/gen/messages/labelreg/v1/statement.js";
import type { Signer } from "./state.js";

const SLAB_BYTES = 64 * 1024;
let slab = new Uint8Array(0);
let used = 0;

/**
 * A copy of `bytes` in a shared slab (one ArrayBuffer for thousands of small byte strings). The
 * copy must be treated as immutable, as every byte string in the state is.
 */
export function keptBytes(bytes: Uint8Array): Uint8Array {
  if (bytes.length > 1024) return bytes.slice();
  if (used + bytes.length > slab.length) {
    slab = new Uint8Array(SLAB_BYTES);
    used = 0;
  }
  const out = slab.subarray(used, used + bytes.length);
  out.set(bytes);
  used += bytes.length;
  return out;
}

/** Evidence with its digest in a slab (no view into the decoded entry). */
export function keptEvidence(e: Evidence): Evidence {
  return { sha256: keptBytes(e.sha256), uri: e.uri };
}

// Signers repeat for every entry a key signs: one object (and one hex key id) per key.
const SIGNERS_LIMIT = 4096;
const signers = new Map<string, Signer>();

/** The one Signer object equal to `s` (bounded: the table is dropped whole when full). */
export function keptSigner(s: Signer): Signer {
  const key = s.kind === "authority" ? `\n${s.keyIdHex}` : `${s.issuerId}\n${s.keyIdHex}`;
  const known = signers.get(key);
  if (known !== undefined) return known;
  if (signers.size >= SIGNERS_LIMIT) signers.clear();
  signers.set(key, s);
  return s;
}

// Entries sequenced in one batch share their sequencing time: one BigInt for a run of them.
let lastTime = 0n;

export function keptTime(t: bigint): bigint {
  if (t !== lastTime) lastTime = t;
  return lastTime;
}
