import { describe, expect, it } from "vitest";
import { SignerRateLimiter } from "./rate-limit.js";

describe("SignerRateLimiter", () => {
  it("allows a burst, then the sustained rate, per signer", () => {
    let t = 0;
    const rl = new SignerRateLimiter({ perSecond: 10, burst: 5 }, () => t);
    for (let i = 0; i < 5; i++) expect(rl.take("CCRC")).toBe(true);
    expect(rl.take("CCRC")).toBe(false);
    expect(rl.take("OTHER")).toBe(true); // another signer has its own bucket
    t += 100; // 0.1 s at 10/s refills one token
    expect(rl.take("CCRC")).toBe(true);
    expect(rl.take("CCRC")).toBe(false);
    t += 10_000; // refills to the burst, not beyond
    for (let i = 0; i < 5; i++) expect(rl.take("CCRC")).toBe(true);
    expect(rl.take("CCRC")).toBe(false);
  });

  it("refuses nonsense limits", () => {
    expect(() => new SignerRateLimiter({ perSecond: 0, burst: 1 })).toThrow(RangeError);
    expect(() => new SignerRateLimiter({ perSecond: 1, burst: 0 })).toThrow(RangeError);
  });
});
