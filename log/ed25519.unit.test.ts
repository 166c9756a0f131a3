import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ed25519Vectors, policyAccepts } from "../test/ed25519-vectors.js";
import { fromHex, toHex, utf8 } from "./bytes.js";
import {
  ED25519_ORDER,
  Ed25519Error,
  isNonCanonicalScalar,
  isRejectedPointEncoding,
  nobleEd25519,
  policyRejects,
  publicKeyProblem,
} from "./ed25519.js";

const vectors = ed25519Vectors();

describe("Ed25519 policy on the CCTV vectors (portable path)", () => {
  it("has the whole file", () => {
    expect(vectors.length).toBe(914);
  });

  it("accepts exactly the vectors the documented policy accepts", () => {
    const wrong: number[] = [];
    let accepted = 0;
    for (const v of vectors) {
      const got = nobleEd25519.verify(v.key, v.msg, v.sig);
      if (got) accepted++;
      if (got !== policyAccepts(v)) wrong.push(v.number);
    }
    expect(wrong).toEqual([]);
    expect(accepted).toBe(43);
  });

  it("gives the same answer through a prepared key verifier", () => {
    for (const v of vectors) {
      expect(nobleEd25519.verifier(v.key)(v.msg, v.sig)).toBe(nobleEd25519.verify(v.key, v.msg, v.sig));
    }
  });

  it("refuses every flagged-low-order or non-canonical A and R by bytes alone", () => {
    for (const v of vectors) {
      const { key, sig, flags: f } = v;
      if (f.includes("low_order_A") || f.includes("non_canonical_A")) expect(isRejectedPointEncoding(key)).toBe(true);
      if (f.includes("low_order_R") || f.includes("non_canonical_R")) expect(isRejectedPointEncoding(sig)).toBe(true);
      if (!f.includes("low_order_A") && !f.includes("non_canonical_A"))
        expect(isRejectedPointEncoding(key)).toBe(false);
    }
  });
});

describe("RFC 8032 §7.1", () => {
  const cases = [
    {
      seed: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
      pub: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
      msg: "",
      sig: "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    },
    {
      seed: "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
      pub: "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
      msg: "72",
      sig: "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    },
  ];
  for (const [i, c] of cases.entries()) {
    it(`test ${i + 1}: public key, signature, verification`, () => {
      const s = nobleEd25519.signer(fromHex(c.seed));
      expect(toHex(s.publicKey)).toBe(c.pub);
      expect(toHex(s.sign(fromHex(c.msg)))).toBe(c.sig);
      expect(nobleEd25519.verify(fromHex(c.pub), fromHex(c.msg), fromHex(c.sig))).toBe(true);
      expect(nobleEd25519.verify(fromHex(c.pub), utf8("other"), fromHex(c.sig))).toBe(false);
    });
  }

  it("refuses S + L, the classic malleated signature", () => {
    const c = cases[0]!;
    const sig = fromHex(c.sig);
    let S = 0n;
    for (let i = 63; i >= 32; i--) S = (S << 8n) | BigInt(sig[i]!);
    S += ED25519_ORDER;
    for (let i = 32; i < 64; i++, S >>= 8n) sig[i] = Number(S & 0xffn);
    expect(isNonCanonicalScalar(sig, 32)).toBe(true);
    expect(nobleEd25519.verify(fromHex(c.pub), fromHex(c.msg), sig)).toBe(false);
  });
});

describe("policy helpers", () => {
  it("scalar canonicality is exactly S < L", () => {
    const enc = (n: bigint) => {
      const b = new Uint8Array(32);
      for (let i = 0; i < 32; i++, n >>= 8n) b[i] = Number(n & 0xffn);
      return b;
    };
    expect(isNonCanonicalScalar(enc(ED25519_ORDER - 1n))).toBe(false);
    expect(isNonCanonicalScalar(enc(ED25519_ORDER))).toBe(true);
    expect(isNonCanonicalScalar(enc(0n))).toBe(false);
    expect(isNonCanonicalScalar(enc((1n << 256n) - 1n))).toBe(true);
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }), (n) => {
        expect(isNonCanonicalScalar(enc(n))).toBe(n >= ED25519_ORDER);
      }),
    );
  });

  it("publicKeyProblem refuses bad keys and accepts honest ones", () => {
    expect(publicKeyProblem(new Uint8Array(31))).toMatch(/32 bytes/);
    expect(publicKeyProblem(fromHex("0100000000000000000000000000000000000000000000000000000000000000"))).toMatch(
      /small order/,
    );
    expect(publicKeyProblem(fromHex("f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"))).toMatch(
      /non-canonical/,
    );
    // y = 2 is not on the curve.
    expect(publicKeyProblem(fromHex("0200000000000000000000000000000000000000000000000000000000000000"))).toMatch(
      /not a point/,
    );
    expect(publicKeyProblem(nobleEd25519.signer(new Uint8Array(32)).publicKey)).toBeUndefined();
  });

  it("policyRejects wrong lengths", () => {
    expect(policyRejects(new Uint8Array(31), new Uint8Array(64))).toBe(true);
    expect(policyRejects(new Uint8Array(32).fill(9), new Uint8Array(63))).toBe(true);
  });

  it("never throws on arbitrary input, and refuses it", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array(), fc.uint8Array({ maxLength: 70 }), (k, m, s) => {
        expect(nobleEd25519.verify(k, m, s)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it("signer refuses a seed that is not 32 bytes", () => {
    expect(() => nobleEd25519.signer(new Uint8Array(31))).toThrow(Ed25519Error);
  });
});
