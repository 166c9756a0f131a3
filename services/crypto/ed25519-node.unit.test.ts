import { createPublicKey, verify as opensslVerify } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nobleEd25519 } from "../../log/ed25519.js";
import { ed25519Vectors, policyAccepts, ref10Accepts } from "../../test/ed25519-vectors.js";
import { nodeEd25519 } from "./ed25519-node.js";

const vectors = ed25519Vectors();

function rawOpenssl(key: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
  const spki = Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), key]);
  try {
    return opensslVerify(null, msg, createPublicKey({ key: spki, format: "der", type: "spki" }), sig);
  } catch {
    return false;
  }
}

describe("Node (OpenSSL) and portable (noble) Ed25519 agree", () => {
  it("on every CCTV vector, and both follow the documented policy", () => {
    const mismatches: number[] = [];
    for (const v of vectors) {
      const node = nodeEd25519.verify(v.key, v.msg, v.sig);
      const noble = nobleEd25519.verify(v.key, v.msg, v.sig);
      const nodePrepared = nodeEd25519.verifier(v.key)(v.msg, v.sig);
      if (node !== noble || nodePrepared !== node || node !== policyAccepts(v)) mismatches.push(v.number);
    }
    expect(mismatches).toEqual([]);
  });

  it("needs the explicit checks: bare OpenSSL is ref10 and accepts low-order keys", () => {
    // This is why policyRejects() runs before OpenSSL: without it the server would accept
    // signatures under the identity key that the browser refuses.
    let differs = 0;
    for (const v of vectors) {
      expect(rawOpenssl(v.key, v.msg, v.sig)).toBe(ref10Accepts(v));
      if (ref10Accepts(v) !== policyAccepts(v)) differs++;
    }
    expect(differs).toBeGreaterThan(100);
  });

  it("gives the same public keys and signatures for the same seeds", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 300 }), (seed, msg) => {
        const a = nodeEd25519.signer(seed);
        const b = nobleEd25519.signer(seed);
        expect(a.publicKey).toEqual(b.publicKey);
        const sig = a.sign(msg);
        expect(sig).toEqual(b.sign(msg));
        expect(nodeEd25519.verify(a.publicKey, msg, sig)).toBe(true);
        expect(nobleEd25519.verify(a.publicKey, msg, sig)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it("agree on random tampering of honest signatures", () => {
    const s = nodeEd25519.signer(new Uint8Array(32).fill(3));
    const msg = new TextEncoder().encode("tamper me");
    const sig = s.sign(msg);
    fc.assert(
      fc.property(fc.nat(63), fc.integer({ min: 1, max: 255 }), (i, x) => {
        const bad = Uint8Array.from(sig);
        bad[i]! ^= x;
        expect(nodeEd25519.verify(s.publicKey, msg, bad)).toBe(false);
        expect(nobleEd25519.verify(s.publicKey, msg, bad)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it("never throw on arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array(), fc.uint8Array({ maxLength: 70 }), (k, m, s) => {
        expect(nodeEd25519.verify(k, m, s)).toBe(nobleEd25519.verify(k, m, s));
      }),
      { numRuns: 300 },
    );
  });
});
