// Memoized trust for verifying many bundles against one checkpoint (a VerifyLabels stream, a
// CSV): the checkpoint is opened once, and a signature that verified once (same key, same
// signature, same message bytes, compared in full) is not verified again, so context entries
// shared by many bundles cost one Ed25519 verification per stream instead of one per bundle.
// Only successes are remembered; both caches are bounded (dropped whole when full).
import type { OpenedCheckpoint } from "./checkpoint.js";
import type { ResolvedTrust } from "./trust.js";

export const MEMO_LIMIT = 100_000;

function latin1(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode(...b.subarray(i, i + 4096));
  return s;
}

/** A copy of `t` that remembers verified checkpoints and signatures. */
export function memoizedTrust(t: ResolvedTrust, limit = MEMO_LIMIT): ResolvedTrust {
  const verified = new Set<string>();
  const inner = t.domain.verify;
  return {
    ...t,
    checkpoints: new Map<string, OpenedCheckpoint>(),
    domain: {
      ...t.domain,
      verify(publicKey, message, signature) {
        const key = `${latin1(publicKey)}\u0000${latin1(signature)}\u0000${latin1(message)}`;
        if (verified.has(key)) return true;
        const ok = inner(publicKey, message, signature);
        if (ok) {
          if (verified.size >= limit) verified.clear();
          verified.add(key);
        }
        return ok;
      },
    },
  };
}
