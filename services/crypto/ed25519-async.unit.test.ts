import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ed25519Vectors, policyAccepts } from "../../test/ed25519-vectors.js";
import { nodeVerifyAsync } from "./ed25519-async.js";
import { nodeEd25519 } from "./ed25519-node.js";

describe("nodeVerifyAsync (OpenSSL on the thread pool)", () => {
  it("agrees with nodeEd25519.verify and the policy on every CCTV vector", async () => {
    const mismatches: number[] = [];
    for (const v of ed25519Vectors()) {
      const async = await nodeVerifyAsync(v.key, v.msg, v.sig);
      if (async !== nodeEd25519.verify(v.key, v.msg, v.sig) || async !== policyAccepts(v)) mismatches.push(v.number);
    }
    expect(mismatches).toEqual([]);
  });

  it("accepts a real signature and refuses any flipped bit of key, message or signature", async () => {
    const signer = nodeEd25519.signer(new Uint8Array(32).fill(7));
    const msg = new TextEncoder().encode("labelreg/v1/statement\nhello");
    const sig = signer.sign(msg);
    expect(await nodeVerifyAsync(signer.publicKey, msg, sig)).toBe(true);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(0, 1, 2), fc.nat(), fc.integer({ min: 0, max: 7 }), async (which, pos, bit) => {
        const parts = [Uint8Array.from(signer.publicKey), Uint8Array.from(msg), Uint8Array.from(sig)];
        const p = parts[which]!;
        p[pos % p.length]! ^= 1 << bit;
        expect(await nodeVerifyAsync(parts[0]!, parts[1]!, parts[2]!)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it("refuses malformed lengths without throwing", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 80 }), async (key, sig) => {
        const expected = nodeEd25519.verify(key, new Uint8Array(1), sig);
        expect(await nodeVerifyAsync(key, new Uint8Array(1), sig)).toBe(expected);
      }),
    );
  });
});
