import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { ed25519Vectors, policyAccepts } from "../../test/ed25519-vectors.js";
import { nodeEd25519 } from "./ed25519-node.js";
import { VerifyPool } from "./verify-pool.js";

const pool = new VerifyPool(2);
afterAll(() => pool.close());

const signer = nodeEd25519.signer(new Uint8Array(32).fill(7));
const message = (i: number) => new TextEncoder().encode(`labelreg/v1/statement\n${i}`);

describe("VerifyPool (batched OpenSSL checks on worker threads)", () => {
  it("agrees with nodeEd25519.verify and the policy on every CCTV vector, all in flight at once", async () => {
    const vectors = ed25519Vectors();
    const got = await Promise.all(vectors.map((v) => pool.verify(v.key, v.msg, v.sig)));
    const mismatches = vectors.filter(
      (v, i) => got[i] !== nodeEd25519.verify(v.key, v.msg, v.sig) || got[i] !== policyAccepts(v),
    );
    expect(mismatches.map((v) => v.number)).toEqual([]);
  });

  it("answers each of thousands of mixed checks (several batches) with its own result", async () => {
    const n = 2000;
    const sigs = Array.from({ length: n }, (_, i) => signer.sign(message(i)));
    // Every third signature is for another message: must be refused, and only that one.
    const got = await Promise.all(
      sigs.map((s, i) => pool.verify(signer.publicKey, message(i % 3 === 0 ? i + 1 : i), s)),
    );
    expect(got.every((ok, i) => ok === (i % 3 !== 0))).toBe(true);
  });

  it("answers checks that had to wait for a busy worker (one worker, many more batches than it holds)", async () => {
    const one = new VerifyPool(1);
    try {
      const n = 3000; // six batches: two go to the worker, four wait for its answers
      const sigs = Array.from({ length: n }, (_, i) => signer.sign(message(i)));
      const got = await Promise.all(
        sigs.map((s, i) => one.verify(signer.publicKey, message(i % 5 === 0 ? i + 1 : i), s)),
      );
      expect(got.every((ok, i) => ok === (i % 5 !== 0))).toBe(true);
    } finally {
      await one.close();
    }
  });

  it("refuses any flipped bit of key, message or signature, and malformed lengths", async () => {
    const msg = message(1);
    const sig = signer.sign(msg);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(0, 1, 2), fc.nat(), fc.integer({ min: 0, max: 7 }), async (which, pos, bit) => {
        const parts = [Uint8Array.from(signer.publicKey), Uint8Array.from(msg), Uint8Array.from(sig)];
        const p = parts[which]!;
        p[pos % p.length]! ^= 1 << bit;
        expect(await pool.verify(parts[0]!, parts[1]!, parts[2]!)).toBe(false);
      }),
      { numRuns: 100 },
    );
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 80 }), async (key, s) => {
        expect(await pool.verify(key, msg, s)).toBe(nodeEd25519.verify(key, msg, s));
      }),
    );
  });

  it("after close, checks still answer (on the calling thread)", async () => {
    const closed = new VerifyPool(1);
    const sig = signer.sign(message(5));
    const pending = closed.verify(signer.publicKey, message(5), sig);
    await closed.close();
    expect(await pending).toBe(true);
    expect(await closed.verify(signer.publicKey, message(5), sig)).toBe(true);
    expect(await closed.verify(signer.publicKey, message(6), sig)).toBe(false);
  });
});
